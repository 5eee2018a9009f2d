import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CapturedMailbox } from '@takedown/mail';
import { dataSourceOptions } from '@takedown/persistence';
import { AppConfig, appConfigModule } from './app-config';
import { AppealsModule } from './appeals/appeals.module';
import { AttributionModule } from './attribution/attribution.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { RateLimitModule } from './common/rate-limit';
import { RequestLog } from './common/request-log';
import { RouteTable } from './common/route-table';
import { CustomerPortalModule } from './customer-portal/customer-portal.module';
import { CustomersModule } from './customers/customers.module';
import { EventsModule } from './events/events.module';
import { DevMailController } from './dev-mail/dev-mail.controller';
import { HealthModule } from './health/health.module';
import { ImportsModule } from './imports/imports.module';
import { IntakeModule } from './intake/intake.module';
import { LinksModule } from './links/links.module';
import { MeModule } from './me/me.module';
import { MetricsModule } from './metrics/metrics.module';
import { NoticesModule } from './notices/notices.module';
import { OrdersModule } from './orders/orders.module';
import { PoliciesModule } from './policies/policies.module';
import { StandingModule } from './standing/standing.module';
import { StatsModule } from './stats/stats.module';
import { TransparencyReportModule } from './transparency/transparency-report.module';
import { TasksModule } from './tasks/tasks.module';
import { TemporalModule } from './temporal/temporal.module';
import { TerminationsModule } from './terminations/terminations.module';
import { WellKnownModule } from './well-known/well-known.module';

@Module({})
export class AppModule {
  static forConfig(config: AppConfig): DynamicModule {
    // The captured mail holds live links and reported URLs, served without authentication: development only. The
    // configuration refuses MAIL_CAPTURE_DIR in production too; this holds for an AppConfig built by hand.
    const captureDir = config.env.NODE_ENV === 'production' ? undefined : config.env.MAIL_CAPTURE_DIR;
    return {
      module: AppModule,
      imports: [
        appConfigModule(config),
        TypeOrmModule.forRoot({
          ...dataSourceOptions(config.env.DATABASE_URL, { poolSize: config.env.DATABASE_POOL_SIZE }),
          autoLoadEntities: false,
        }),
        TemporalModule,
        AuthModule,
        RateLimitModule,
        HealthModule,
        MetricsModule,
        NoticesModule,
        OrdersModule,
        IntakeModule,
        CustomersModule,
        CustomerPortalModule,
        AppealsModule,
        AttributionModule,
        ImportsModule,
        TasksModule,
        LinksModule,
        StandingModule,
        TerminationsModule,
        StatsModule,
        TransparencyReportModule,
        AuditModule,
        PoliciesModule,
        EventsModule,
        WellKnownModule,
        MeModule,
      ],
      controllers: captureDir ? [DevMailController] : [],
      providers: [
        RouteTable,
        { provide: RequestLog, useValue: new RequestLog(config.env.LOG_LEVEL, config.logDestination) },
        ...(captureDir ? [{ provide: CapturedMailbox, useValue: new CapturedMailbox(captureDir) }] : []),
      ],
    };
  }
}
