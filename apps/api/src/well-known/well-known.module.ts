import { Module } from '@nestjs/common';
import { ReportKeys } from './report-keys';
import { WellKnownController } from './well-known.controller';

@Module({ controllers: [WellKnownController], providers: [ReportKeys], exports: [ReportKeys] })
export class WellKnownModule {}
