import * as fs from 'node:fs';
import * as path from 'node:path';
import { SMTPServer } from 'smtp-server';

export interface RunningCapture {
  url: string;
  port: number;
  /**
   * Fault injection for the fault suite: while on, every other message is refused with a temporary `451`, in turn
   * at RCPT TO (as greylisting does) and after the whole message was sent (at the final dot), the harder case for a
   * sender that must neither lose nor repeat a message. Off again, every message is accepted.
   */
  refuseEveryOther(on: boolean): void;
  /**
   * Fault injection: the next message the capture takes is kept (the server has it, as a real one has before it
   * answers) and its `250` is held until `release()`: the window in which a sender cannot know whether its message was
   * delivered (RFC 1047), opened on purpose. Only a message whose idempotency key `matches`, if given. Resolves once
   * a message is held, or with null when none came within `timeoutMs`. `stop()` releases what is still held.
   */
  holdNextAnswer(timeoutMs: number, matches?: (key: string | null) => boolean): Promise<HeldAnswer | null>;
  stop(): Promise<void>;
}

export interface HeldAnswer {
  /** The held message's `X-Takedown-Idempotency-Key`, if it has one. */
  key: string | null;
  /** Sends the held `250` (to a connection that may be gone by then). */
  release(): void;
}

type Fate = 'accept' | 'refuse-at-rcpt' | 'refuse-at-dot';

/**
 * A local SMTP server that accepts every message and keeps it as an `.eml` file, so that every email Takedown
 * sends can be read and its links followed on a developer's machine. Loopback only, no authentication.
 */
export async function startMailCapture(opts: {
  dir: string;
  port: number;
  host?: string;
}): Promise<RunningCapture> {
  const host = opts.host ?? '127.0.0.1';
  fs.mkdirSync(opts.dir, { recursive: true });
  let counter = 0;
  let refusing = false;
  let seen = 0;
  // Decided per transaction at MAIL FROM; a connection carries one transaction at a time.
  const fates = new Map<string, Fate>();
  let holdNext: {
    matches: (key: string | null) => boolean;
    notify: (held: HeldAnswer | null) => void;
  } | null = null;
  const held = new Set<() => void>();
  const temporaryFailure = () =>
    Object.assign(new Error('Temporary local problem, try again later (fault injection)'), {
      responseCode: 451,
    });
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    // smtp-server looks up each client's address in the DNS by default (a PTR query for 127.0.0.1, to the machine's
    // resolver): traffic off the loopback for every mail a test or the dev stack sends, and up to 1.5 s before the
    // greeting. Nothing here reads the name.
    disableReverseLookup: true,
    size: 10 * 1024 * 1024,
    onMailFrom(_address, session, callback) {
      const n = refusing ? ++seen : 0;
      fates.set(session.id, n % 2 === 0 ? 'accept' : n % 4 === 1 ? 'refuse-at-rcpt' : 'refuse-at-dot');
      callback();
    },
    onRcptTo(_address, session, callback) {
      callback(fates.get(session.id) === 'refuse-at-rcpt' ? temporaryFailure() : null);
    },
    onClose(session) {
      fates.delete(session.id);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      // A sender that goes away before the final dot: the message was never accepted, nothing is kept.
      stream.on('error', () => undefined);
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (fates.get(session.id) === 'refuse-at-dot') return callback(temporaryFailure());
        const message = Buffer.concat(chunks);
        const key = idempotencyKeyOf(message);
        // The step's key in the name: a reader finds a step's mail without opening every file.
        const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}-${++counter}-${session.id}${key === null ? '' : `--${fileKey(key)}`}.eml`;
        // Written under a temporary name and renamed, so a reader never sees half a message.
        const tmp = path.join(opts.dir, `.${name}.tmp`);
        fs.writeFile(tmp, message, (err) => {
          if (err) return callback(err);
          fs.rename(tmp, path.join(opts.dir, name), (err2) => {
            if (err2 || !holdNext?.matches(key)) return callback(err2 ?? null);
            const { notify } = holdNext;
            const release = () => {
              if (held.delete(release)) callback(null);
            };
            held.add(release);
            notify({ key, release });
          });
        });
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => resolve());
  });
  // A sender that dies inside a transaction (a worker killed mid-DATA: ECONNRESET) surfaces here; the message was
  // never accepted and nothing was kept. Unheard, the error would bring down the process that hosts the capture.
  server.on('error', () => undefined);
  const port = (server.server.address() as { port: number }).port;
  return {
    url: `smtp://${host}:${port}`,
    port,
    refuseEveryOther(on) {
      refusing = on;
      seen = 0;
    },
    holdNextAnswer(timeoutMs, matches = () => true) {
      if (holdNext) return Promise.reject(new Error('the capture already waits for a message to hold'));
      return new Promise<HeldAnswer | null>((resolve) => {
        const timer = setTimeout(() => {
          holdNext = null;
          resolve(null);
        }, timeoutMs);
        holdNext = {
          matches,
          notify: (answer) => {
            clearTimeout(timer);
            holdNext = null;
            resolve(answer);
          },
        };
      });
    },
    stop: () => {
      holdNext?.notify(null);
      for (const release of [...held]) release();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const KEY_HEADER = /^x-takedown-idempotency-key:[ \t]*(.+)$/im;

/** The `X-Takedown-Idempotency-Key` of a raw message, from its header block. */
function idempotencyKeyOf(raw: Buffer): string | null {
  const text = raw.toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const headers = (end === -1 ? text : text.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
  return KEY_HEADER.exec(headers)?.[1].trim() ?? null;
}

/**
 * An idempotency key as it appears in a captured file's name: file-name safe and bounded. Not unique (`:` and `_`
 * both become `_`), so a reader checks the header of what it finds.
 */
export function fileKey(key: string): string {
  return key.replace(/[^\w.-]/g, '_').slice(0, 160);
}
