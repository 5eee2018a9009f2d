import { Module } from '@nestjs/common';
import { TerminationsController } from './terminations.controller';
import { TerminationReportService } from './report.service';
import { TerminationsService } from './terminations.service';

@Module({ controllers: [TerminationsController], providers: [TerminationsService, TerminationReportService] })
export class TerminationsModule {}
