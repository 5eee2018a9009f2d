import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { AuditHeadExporter } from './audit-head.exporter';
import { AuditController } from './audit.controller';
import { AuditInterceptor } from './audit.interceptor';
import { AuditService } from './audit.service';

/** The audit trail: the interceptor that records API writes, `GET /v1/audit` to read it, its signed head exported. */
@Module({
  controllers: [AuditController],
  providers: [AuditService, AuditHeadExporter, { provide: APP_INTERCEPTOR, useClass: AuditInterceptor }],
})
export class AuditModule {}
