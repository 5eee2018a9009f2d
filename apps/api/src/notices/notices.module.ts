import { Module } from '@nestjs/common';
import { BulkIntakeService } from './bulk-intake.service';
import { NoticesController } from './notices.controller';
import { NoticesService } from './notices.service';
import { PeopleModule } from '../people/people.module';

/** Notices: reading them, acting on them, and storing what intake hands over (one at a time or in bulk). */
@Module({
  imports: [PeopleModule],
  controllers: [NoticesController],
  providers: [NoticesService, BulkIntakeService],
  exports: [NoticesService, BulkIntakeService],
})
export class NoticesModule {}
