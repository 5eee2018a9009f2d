import { Module } from '@nestjs/common';
import { AppealsController, CustomerAppealsController } from './appeals.controller';
import { AppealsService } from './appeals.service';

/** Appeals of strikes, suspensions, terminations (customers) and rejections (sources), and their review. */
@Module({
  controllers: [CustomerAppealsController, AppealsController],
  providers: [AppealsService],
})
export class AppealsModule {}
