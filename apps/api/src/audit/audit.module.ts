import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { AuditHeadExporter } from './audit-head.exporter';
import { AuditController } from './audit.controller';
import { AuditInterceptor } from './audit.interceptor';
import { AuditService } from './audit.service';
import { DeniedAccessInterceptor } from './denied-access';

/**
 * The audit trail: the interceptors that record API writes and denied attempts, `GET /v1/audit` to read it, and its
 * signed head exported.
 */
@Module({
  controllers: [AuditController],
  providers: [
    AuditService,
    AuditHeadExporter,
    { provide: APP_INTERCEPTOR, useClass: AuditInterceptor },
    { provide: APP_INTERCEPTOR, useClass: DeniedAccessInterceptor },
  ],
})
export class AuditModule {}
