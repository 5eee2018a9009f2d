import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@takedown/dev';
import { nodeArgs } from '../support/child-build';

/**
 * What `npm start` runs keeps its data across a restart: the embedded PostgreSQL's rows and the Temporal dev
 * server's workflows (its SQLite file), both under the data folder. A stack of its own, started, stopped and
 * started again, in a separate process each time.
 */
describe('the local stack across a restart', () => {
  const root = path.resolve(__dirname, '..', '..');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'takedown-restart-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const probe = async (phase: 'write' | 'read', ports: string, id: string) => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [...nodeArgs('test/support/stack-probe.ts'), phase, dir, ports, id],
      { cwd: root },
    );
    return JSON.parse(stdout) as Record<string, unknown>;
  };

  it('keeps database rows and running workflows', async () => {
    const ports = [await freePort(), await freePort(), await freePort()].join(',');
    const id = `restart-${randomUUID()}`;
    expect(await probe('write', ports, id)).toEqual({ written: true });
    expect(await probe('read', ports, id)).toEqual({ rows: 1, workflow: 'RUNNING' });
  });
});
