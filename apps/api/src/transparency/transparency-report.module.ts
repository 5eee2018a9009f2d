import { Module } from '@nestjs/common';
import { TransparencyReportController } from './transparency-report.controller';
import { TransparencyReportService } from './transparency-report.service';

@Module({ controllers: [TransparencyReportController], providers: [TransparencyReportService] })
export class TransparencyReportModule {}
