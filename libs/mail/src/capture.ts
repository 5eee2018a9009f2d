import * as fs from 'node:fs';
import * as path from 'node:path';
import { SMTPServer } from 'smtp-server';

export interface RunningCapture {
  url: string;
  port: number;
  stop(): Promise<void>;
}

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
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 10 * 1024 * 1024,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}-${++counter}-${session.id}.eml`;
        // Written under a temporary name and renamed, so a reader never sees half a message.
        const tmp = path.join(opts.dir, `.${name}.tmp`);
        fs.writeFile(tmp, Buffer.concat(chunks), (err) => {
          if (err) return callback(err);
          fs.rename(tmp, path.join(opts.dir, name), (err2) => callback(err2 ?? null));
        });
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => resolve());
  });
  const port = (server.server.address() as { port: number }).port;
  return {
    url: `smtp://${host}:${port}`,
    port,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
