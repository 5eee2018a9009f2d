import { Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { publicBaseUrl, resolveUrlHashKeys, type Env } from '@takedown/config';
import { durationToMs } from '@takedown/domain';
import { resolveLinkKeys } from '@takedown/links';
import { Mailer } from '@takedown/mail';
import { resolveReportKeys } from '@takedown/reports';
import type { WorkerBusinessMetrics } from '@takedown/observability';
import { dataSourceOptions } from '@takedown/persistence';
import { AppealActivitiesService } from './appeal-activities.service';
import { CustomerWebhooks, CustomerWebhookSettings } from './customer-webhooks';
import { NoticeActivitiesService } from './notice-activities.service';
import { NotificationActivitiesService } from './notification-activities.service';
import { OrderPaging, PagingSettings } from './order-paging';
import { PortalLinks } from './portal-links';
import { RemovalProbe, RemovalProbeSettings } from './removal-probe';
import { ScheduleActivitiesService, ScheduleSettings } from './schedule-activities.service';
import { StatementSigningKey, StatementsService, StatementUrlHashKey } from './statements.service';
import { SourceWebhooks } from './source-webhooks';
import { StandingActivitiesService } from './standing-activities.service';
import { TerminationActivitiesService } from './termination-activities.service';
import { TerminationSettings } from './termination-settings';
import { WorkerSettings } from './worker-settings';

/**
 * The worker's DI container: everything the activities need, built from validated configuration. Closing it closes
 * the worker's PostgreSQL pool and the SMTP connections kept for the next email.
 */
@Module({})
export class WorkerModule implements OnApplicationShutdown {
  constructor(
    private readonly db: DataSource,
    private readonly mailer: Mailer,
  ) {}

  /** After the worker has stopped (its activities are done), when the process shuts down or a test stops its system. */
  async onApplicationShutdown(): Promise<void> {
    this.mailer.close();
    if (this.db.isInitialized) await this.db.destroy();
  }

  /** `metrics`: where the worker's process counts emails and pending feedback deliveries (none in tests). */
  static forEnv(
    env: Env & { DATABASE_URL: string; SMTP_URL: string },
    metrics?: WorkerBusinessMetrics,
  ): DynamicModule {
    const privateTargets =
      env.WEBHOOK_PRIVATE_TARGETS ?? (env.NODE_ENV === 'production' ? 'refuse' : 'allow');
    return {
      module: WorkerModule,
      providers: [
        {
          provide: DataSource,
          useFactory: () =>
            new DataSource(
              dataSourceOptions(env.DATABASE_URL, { poolSize: env.DATABASE_POOL_SIZE }),
            ).initialize(),
        },
        {
          provide: Mailer,
          useFactory: () => new Mailer(env.SMTP_URL, (result) => metrics?.emails.inc({ result })),
        },
        {
          provide: WorkerSettings,
          useValue: new WorkerSettings(
            env.MAIL_FROM,
            env.ABUSE_DESK_EMAIL,
            publicBaseUrl(env),
            env.POLICY_PROFILE,
            env.ABUSE_LEAD_EMAIL,
            env.NOC_EMAIL,
            resolveLinkKeys(env),
            durationToMs(env.LINK_TTL),
          ),
        },
        {
          provide: TerminationSettings,
          useValue: new TerminationSettings(env.LEGAL_EMAIL, env.PROVIDER_NAME),
        },
        {
          provide: SourceWebhooks,
          inject: [DataSource],
          useFactory: (db: DataSource) =>
            new SourceWebhooks(db, env.FEEDBACK_WEBHOOKS, metrics?.feedbackPending),
        },
        CustomerWebhooks,
        {
          provide: CustomerWebhookSettings,
          useValue: new CustomerWebhookSettings(privateTargets),
        },
        RemovalProbe,
        {
          provide: RemovalProbeSettings,
          useValue: new RemovalProbeSettings(env.REMOVAL_PROBE, privateTargets),
        },
        PortalLinks,
        {
          provide: PagingSettings,
          useValue: new PagingSettings(
            env.PAGING_WEBHOOK_URL ?? null,
            env.PAGING_FORMAT,
            env.PAGING_KEY ?? null,
            publicBaseUrl(env),
          ),
        },
        OrderPaging,
        {
          provide: ScheduleSettings,
          useValue: new ScheduleSettings(
            env.AUDIT_HEAD_KEY,
            env.AUDIT_HEAD_FILE,
            {
              days: env.RETENTION_DAYS,
              byCategory: env.RETENTION_DAYS_BY_CATEGORY,
              urlHashKey: resolveUrlHashKeys(env)[0],
            },
            env.TRANSPARENCY_DB_URL && env.TRANSPARENCY_DB_TOKEN
              ? { url: env.TRANSPARENCY_DB_URL, token: env.TRANSPARENCY_DB_TOKEN }
              : null,
          ),
        },
        // Resolved at start: production without REPORT_SIGNING_KEYS stops at once, naming it.
        { provide: StatementSigningKey, useValue: new StatementSigningKey(resolveReportKeys(env)[0]) },
        // Likewise URL_HASH_KEYS.
        { provide: StatementUrlHashKey, useValue: new StatementUrlHashKey(resolveUrlHashKeys(env)[0]) },
        StatementsService,
        NoticeActivitiesService,
        NotificationActivitiesService,
        StandingActivitiesService,
        TerminationActivitiesService,
        ScheduleActivitiesService,
        AppealActivitiesService,
      ],
      exports: [
        CustomerWebhooks,
        OrderPaging,
        PortalLinks,
        PortalLinks,
        RemovalProbe,
        NoticeActivitiesService,
        NotificationActivitiesService,
        StandingActivitiesService,
        TerminationActivitiesService,
        ScheduleActivitiesService,
        AppealActivitiesService,
        DataSource,
        Mailer,
      ],
    };
  }
}
