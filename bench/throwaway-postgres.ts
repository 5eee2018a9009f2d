import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, startEmbeddedPostgres } from '@takedown/dev';

export interface ThrowawayPostgres {
  url: string;
  /** Stops the server and deletes its folder (a kept one stays). */
  remove(): Promise<void>;
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * A bench's own embedded PostgreSQL on a free loopback port, in a new folder under the system's temporary one, or in
 * `kept`, which stays. A bench stopped by SIGINT (a terminal's Ctrl-C) or SIGTERM removes it too, then exits 130:
 * before, Ctrl-C left the folder behind and SIGTERM the server as well, on its port.
 */
export async function throwawayPostgres(name: string, kept?: string): Promise<ThrowawayPostgres> {
  const dir = kept ?? fs.mkdtempSync(path.join(os.tmpdir(), `takedown-${name}-`));
  process.stderr.write(`bench: throw-away PostgreSQL in ${dir}\n`);
  const starting = freePort().then((port) =>
    startEmbeddedPostgres({ dataDir: kept ?? path.join(dir, 'postgres'), port }),
  );
  let removed: Promise<void> | undefined;
  const remove = () =>
    (removed ??= starting
      .then(
        (pg) => pg.stop(),
        () => undefined,
      )
      .finally(() => {
        if (!kept) fs.rmSync(dir, { recursive: true, force: true });
      }));
  // From before the server is up (its first start makes the cluster, seconds), and kept for every signal until the
  // end: the API's shutdown hooks (Nest's) close the application and then raise the signal again for its default
  // action, which would end the process before the folder is gone.
  const stopped = (signal: NodeJS.Signals) => {
    if (!removed) process.stderr.write(`bench: ${signal}: removing its PostgreSQL\n`);
    void remove().finally(() => process.exit(130));
  };
  for (const signal of SIGNALS) process.on(signal, stopped);
  const done = () => {
    for (const signal of SIGNALS) process.off(signal, stopped);
    return remove();
  };
  const pg = await starting.catch(async (err: unknown) => {
    await done();
    throw err;
  });
  return { url: pg.url, remove: done };
}
