import { Logger } from '@nestjs/common';
import { Client, Connection } from '@temporalio/client';
import { simpleParser } from 'mailparser';
import { DataSource } from 'typeorm';
import type { Env } from '@takedown/config';
import { DomainError } from '@takedown/domain';
import { headerSectionEnd } from '@takedown/intake';
import { dataSourceOptions } from '@takedown/persistence';
import { AppConfig } from '../app-config';
import { cliActor, runAudited } from '../audit/audit-context';
import { BulkIntakeService } from '../notices/bulk-intake.service';
import { NoticesService } from '../notices/notices.service';
import { IntakeService } from './intake.service';

/** sysexits.h, as MTAs read them: 75 makes the MTA keep the message and try again later. */
export const MTA_EXIT = { ok: 0, dataError: 65, noPermission: 77, tempFail: 75, config: 78 } as const;

/**
 * `takedown ingest-mail`: one message from an MTA's pipe, through the API's own IntakeService (built here without
 * the HTTP app). The database or Temporal being down is a temporary failure, so the MTA retries; anything the
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
  Logger.overrideLogger(['error', 'warn']);
  const db = new DataSource(dataSourceOptions(env.DATABASE_URL, { logging: ['error'] }));
  try {
    await db.initialize();
  } catch (err) {
    say(`the database is unavailable, try again later: ${(err as Error).message}`);
    return MTA_EXIT.tempFail;
  }
  const connection = Connection.lazy({ address: env.TEMPORAL_ADDRESS, connectTimeout: '3 seconds' });
  try {
    const config = new AppConfig({
      ...env,
      DATABASE_URL: env.DATABASE_URL,
      TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS,
    });
    const client = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
    const notices = new NoticesService(db, client, config);
    const intake = new IntakeService(notices, new BulkIntakeService(db, notices), db, config);
    const result = await runAudited(
      { actor: cliActor('ingest-mail'), role: null, requestId: null, sourceIp: null },
      () => intake.submitMail(raw, { channel: 'pipe', sender: from, clientIp: envelope.clientIp }),
    );
    say(
      result.status === 'kept'
        ? `kept for the abuse desk as raw message ${result.rawMessageId}: ${result.error}`
        : `notice ${result.noticeId} (${result.status})`,
    );
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
    await connection.close().catch(() => undefined);
    if (db.isInitialized) await db.destroy();
  }
}
