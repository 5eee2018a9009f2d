import { Module, type DynamicModule, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Env } from '@takedown/config';
import { DomainError } from '@takedown/domain';
import { headerSectionEnd, simpleParser } from '@takedown/intake';
import { dataSourceOptions, cliActor, runAudited } from '@takedown/persistence';
import { AppConfig, appConfigModule } from '../app-config';
import { TemporalModule } from '../temporal/temporal.module';
import { IntakeModule } from './intake.module';
import { IntakeService } from './intake.service';

/** sysexits.h, as MTAs read them: 75 makes the MTA keep the message and try again later. */
export const MTA_EXIT = { ok: 0, dataError: 65, noPermission: 77, tempFail: 75, config: 78 } as const;

/**
 * `takedown ingest-mail`: one message from an MTA's pipe, through the API's own IntakeService, in a Nest application
 * context of the intake module (no HTTP). The database or Temporal being down is a temporary failure, so the MTA retries; anything the
 * message itself is wrong about is kept as a raw message for the desk and the MTA is told it was delivered.
 */
export async function ingestMailFromPipe(
  env: Env,
  raw: Buffer,
  envelope: { sender?: string; clientIp?: string },
  say: (line: string) => void,
): Promise<number> {
  if (!env.DATABASE_URL || !env.TEMPORAL_ADDRESS) {
    say('DATABASE_URL and TEMPORAL_ADDRESS must be set.');
    return MTA_EXIT.config;
  }
  if (raw.length > env.INBOUND_MAIL_MAX_BYTES) {
    say(`message of ${raw.length} bytes exceeds INBOUND_MAIL_MAX_BYTES (${env.INBOUND_MAIL_MAX_BYTES})`);
    return MTA_EXIT.dataError;
  }
  const headerEnd = headerSectionEnd(raw.subarray(0, env.INBOUND_MAIL_MAX_HEADER_BYTES + 3));
  if (
    (headerEnd < 0 && raw.length > env.INBOUND_MAIL_MAX_HEADER_BYTES) ||
    headerEnd > env.INBOUND_MAIL_MAX_HEADER_BYTES
  ) {
    say(`the header section exceeds INBOUND_MAIL_MAX_HEADER_BYTES (${env.INBOUND_MAIL_MAX_HEADER_BYTES})`);
    return MTA_EXIT.dataError;
  }
  const from = envelope.sender ?? (await simpleParser(raw).catch(() => undefined))?.from?.value[0]?.address;
  if (!from) {
    say('no sender: pass --sender ADDRESS (the envelope sender) or a From header');
    return MTA_EXIT.dataError;
  }
  const config = new AppConfig({
    ...env,
    DATABASE_URL: env.DATABASE_URL,
    TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS,
  });
  let app: INestApplicationContext;
  try {
    app = await NestFactory.createApplicationContext(IntakeContextModule.forConfig(config), {
      logger: ['error', 'warn'],
      abortOnError: false,
    });
  } catch (err) {
    say(`the database is unavailable, try again later: ${(err as Error).message}`);
    return MTA_EXIT.tempFail;
  }
  try {
    const intake = app.get(IntakeService);
    const result = await runAudited(
      { actor: cliActor('ingest-mail'), role: null, requestId: null, sourceIp: null },
      () => intake.submitMail(raw, { channel: 'pipe', sender: from, clientIp: envelope.clientIp }),
    );
    if (result.status === 'kept') {
      say(`kept for the abuse desk as raw message ${result.rawMessageId}: ${result.error}`);
    } else {
      say(
        `${(result.noticeIds ?? [result.noticeId]).map((id) => `notice ${id}`).join(', ')} (${result.status})`,
      );
      if (result.problems)
        say(`kept for the abuse desk as raw message ${result.rawMessageId}: ${result.problems}`);
    }
    return MTA_EXIT.ok;
  } catch (err) {
    if (err instanceof DomainError && err.code.endsWith('.UNAVAILABLE')) {
      say(`${err.message}`);
      return MTA_EXIT.tempFail;
    }
    // Any other failure (the database going away mid-way, say) must not lose the message: the MTA retries.
    say(`intake failed, try again later: ${(err as Error).message}`);
    return MTA_EXIT.tempFail;
  } finally {
    await app.close().catch(() => undefined);
  }
}

/**
 * What the pipe (and the feed import) need of the API: the intake and what it stands on (database, Temporal),
 * without HTTP.
 */
@Module({})
export class IntakeContextModule {
  static forConfig(config: AppConfig): DynamicModule {
    return {
      module: IntakeContextModule,
      imports: [
        appConfigModule(config),
        TypeOrmModule.forRoot({
          ...dataSourceOptions(config.env.DATABASE_URL, { logging: ['error'] }),
          autoLoadEntities: false,
          // An MTA waits for the pipe: a database that is down is a temporary failure now, not after retries.
          retryAttempts: 0,
        }),
        TemporalModule,
        IntakeModule,
      ],
    };
  }
}
