import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { fileKey } from './capture';

export interface CapturedMailSummary {
  id: string;
  from: string;
  to: string[];
  subject: string;
  date: string | null;
  idempotencyKey: string | null;
}

export interface CapturedMail extends CapturedMailSummary {
  text: string;
  html: string | null;
}

/** Reads the messages the local capture server stored, newest first. */
export class CapturedMailbox {
  constructor(private readonly dir: string) {}

  async list(limit = 100): Promise<CapturedMailSummary[]> {
    const names = await this.names();
    const newest = names.slice(-limit).reverse();
    return Promise.all(newest.map(async (id) => summary(await this.read(id))));
  }

  /** The messages sent under `key`, oldest first, found by their file names. */
  async withKey(key: string): Promise<CapturedMail[]> {
    return (await this.withKeyPrefix(key)).filter((m) => m.idempotencyKey === key);
  }

  /** The messages whose key starts with `prefix`, oldest first, found by their file names. */
  async withKeyPrefix(prefix: string): Promise<CapturedMail[]> {
    const inName = `--${fileKey(prefix)}`;
    // A name that merely contains it costs a read: the header decides.
    const names = (await this.names()).filter((n) => n.includes(inName));
    const mails = await Promise.all(names.map((id) => this.read(id)));
    return mails.filter((m) => m.idempotencyKey?.startsWith(prefix));
  }

  async read(id: string): Promise<CapturedMail> {
    if (!/^[\w.-]+\.eml$/.test(id) || id.startsWith('.')) throw new Error(`no captured mail ${id}`);
    const raw = await fs.readFile(path.join(this.dir, id));
    // Loaded with the first mail read (about a tenth of a second), not by every process that imports the library.
    const { simpleParser } = await import('mailparser');
    const parsed = await simpleParser(raw);
    const to = [parsed.to ?? []].flat().flatMap((a) => a.value.map((v) => v.address ?? ''));
    const key = parsed.headers.get('x-takedown-idempotency-key');
    return {
      id,
      from: parsed.from?.text ?? '',
      to,
      subject: parsed.subject ?? '',
      date: parsed.date?.toISOString() ?? null,
      idempotencyKey: typeof key === 'string' ? key : null,
      text: parsed.text ?? '',
      html: typeof parsed.html === 'string' ? parsed.html : null,
    };
  }

  private async names(): Promise<string[]> {
    try {
      return (await fs.readdir(this.dir)).filter((n) => n.endsWith('.eml') && !n.startsWith('.')).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }
}

function summary({ id, from, to, subject, date, idempotencyKey }: CapturedMail): CapturedMailSummary {
  return { id, from, to, subject, date, idempotencyKey };
}
