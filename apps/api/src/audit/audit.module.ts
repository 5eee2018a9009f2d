import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { AuditController } from './audit.controller';
import { AuditInterceptor } from './audit.interceptor';
import { AuditService } from './audit.service';
import { DeniedAccessInterceptor } from './denied-access';
import { RevealController } from './reveal.controller';

/**
 * The audit trail: the interceptors that record API writes and denied attempts, `GET /v1/audit` to read it, and
 * `GET /v1/audit/heads` to export the heads the worker's audit-head schedule signed; and the audited reveal of a
 * notice's full URLs (`GET /v1/notices/:id/urls`).
 */
@Module({
  controllers: [AuditController, RevealController],
  providers: [
    AuditService,
    { provide: APP_INTERCEPTOR, useClass: AuditInterceptor },
    { provide: APP_INTERCEPTOR, useClass: DeniedAccessInterceptor },
  ],
})
export class AuditModule {}
