import { Module } from '@nestjs/common';
import { TerminationsController } from './terminations.controller';
import { TerminationReportService } from './report.service';
import { TerminationsService } from './terminations.service';
import { WellKnownModule } from '../well-known/well-known.module';

@Module({
  imports: [WellKnownModule],
  controllers: [TerminationsController],
  providers: [TerminationsService, TerminationReportService],
})
export class TerminationsModule {}
