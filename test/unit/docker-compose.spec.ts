import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { loadEnv } from '@takedown/config';

/**
 * No Docker engine runs where the tests run, so docker-compose.yml is checked by reading: the api and worker get
 * an environment that Takedown's own configuration accepts, and their commands name files the build produces.
 */
describe('docker-compose.yml', () => {
  const root = path.resolve(__dirname, '..', '..');
  const compose = parse(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<
      string,
      {
        image?: string;
        build?: string;
        environment?: Record<string, unknown>;
        command?: string[];
        deploy?: { replicas?: number };
        ports?: string[];
      }
    >;
  };

  it('has the database, Temporal on it, its UI, a mail catcher, and api and worker built here', () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      'api',
      'mail',
      'postgres',
      'temporal',
      'temporal-ui',
      'worker',
    ]);
    expect(compose.services.api.build).toBe('.');
    expect(compose.services.worker.build).toBe('.');
    expect(compose.services.temporal.environment).toMatchObject({
      DB: 'postgres12',
      POSTGRES_SEEDS: 'postgres',
    });
  });

  it.each(['api', 'worker'])(
    'gives the %s an environment the configuration accepts in production',
    (name) => {
      const env = Object.fromEntries(
        Object.entries(compose.services[name].environment ?? {}).map(([k, v]) => [k, String(v)]),
      );
      const parsed = loadEnv({ ...env, NODE_ENV: 'production' });
      expect(parsed.DATABASE_URL).toMatch(/@postgres:5432\//);
      expect(parsed.TEMPORAL_ADDRESS).toBe('temporal:7233');
      expect(parsed.LINK_SIGNING_KEYS).toBeDefined();
    },
  );

  it.each(['api', 'worker'])('starts the %s from a file the build produces', (name) => {
    const command = (compose.services[name].command ?? []).join(' ');
    const entries = [...command.matchAll(/dist\/(\S+)\.js/g)].map((m) => m[1]);
    expect(entries.length).toBeGreaterThan(0);
    for (const entry of entries) expect(fs.existsSync(path.join(root, `${entry}.ts`))).toBe(true);
  });

  it('runs two worker replicas on the shared task queue, with no host port that a second replica would clash on', () => {
    const worker = compose.services.worker;
    expect(worker.deploy?.replicas).toBe(2);
    expect(worker.ports).toBeUndefined();
    expect(worker.environment).not.toHaveProperty('TEMPORAL_TASK_QUEUE');
  });
});
