import { Module } from '@nestjs/common';
import { TerminationsController } from './terminations.controller';
import { TerminationReportService } from './report.service';
import { TerminationsService } from './terminations.service';
import { StatementsController } from './statements.controller';
import { StatementsService } from './statements.service';
import { WellKnownModule } from '../well-known/well-known.module';

@Module({
  imports: [WellKnownModule],
  controllers: [TerminationsController, StatementsController],
  providers: [TerminationsService, TerminationReportService, StatementsService],
})
export class TerminationsModule {}
