import { Module, type DynamicModule, type INestApplicationContext, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions } from '@takedown/persistence';
import { AppConfig, appConfigModule } from '@takedown/api/app-config';
import { IntakeModule } from '@takedown/api/intake/intake.module';
import { TemporalModule } from '@takedown/api/temporal/temporal.module';
import { InboundSmtpListener } from './inbound-smtp';

/**
 * The mail-intake process's application: the SMTP listener over the API's own intake module (the same
 * IntakeService, database and Temporal client), without HTTP.
 */
@Module({})
export class MailIntakeModule {
  static forConfig(config: AppConfig): DynamicModule {
    return {
      module: MailIntakeModule,
      imports: [
        appConfigModule(config),
        TypeOrmModule.forRoot({
          ...dataSourceOptions(config.env.DATABASE_URL, {
            // At most one message per SMTP connection is in intake at a time.
            poolSize: Math.min(config.env.DATABASE_POOL_SIZE, config.env.INBOUND_SMTP_MAX_CLIENTS + 2),
          }),
          autoLoadEntities: false,
        }),
        TemporalModule,
        IntakeModule,
      ],
      providers: [InboundSmtpListener],
    };
  }
}

/** Builds and starts the mail intake (main.ts; the intake bench runs it in its own process too). */
export async function createMailIntake(
  config: AppConfig,
  logger: LoggerService | false = false,
): Promise<INestApplicationContext> {
  return NestFactory.createApplicationContext(MailIntakeModule.forConfig(config), { logger });
}
