import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { loadEnv } from '@takedown/config';
import { TEMPORAL_SERVER_VERSION } from '@takedown/dev';

interface Service {
  image?: string;
  build?: string;
  environment?: Record<string, unknown>;
  command?: string[];
  deploy?: { replicas?: number };
  ports?: string[];
  depends_on?: Record<string, { condition?: string }> | string[];
}

const root = path.resolve(__dirname, '..', '..');
const text = fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
/** The secrets compose takes from the environment, as an operator would set them. */
const secrets: Record<string, string> = {
  POSTGRES_PASSWORD: 'Owner-Zq8vV1m3c0kL9sT2yB7n',
  TAKEDOWN_DB_PASSWORD: 'App-W4xR6pH5jD1fQe9sLk2m',
  LINK_SIGNING_KEYS: '2026-12:Zq8vV1m3c0kL9sT2yB7nW4xR6pH5jD1f',
  REPORT_SIGNING_KEYS: '2026-12:q2Xk8vN0mR5tY7wB1cD3fG6hJ9kL4pS8uV2xZ5aE7iO',
  TEMPORAL_PAYLOAD_KEYS: '2026-12:h7Rk2vN9mQ4tY1wB8cD5fG3hJ6kL0pS2uV9xZ4aE1iO',
  URL_HASH_KEYS: '2026-12:Wm3xQ8rT1vB6nY4cK9pL2hF7jD5sG0aZ',
};
const load = (vars: Record<string, string>) =>
  parse(
    text.replace(/\$\{(\w+):\?[^}]*\}/g, (_, name: string) => vars[name] ?? `<unset ${name}>`),
    { merge: true },
  ) as { services: Record<string, Service> };

/**
 * No Docker engine runs where the tests run, so docker-compose.yml is checked by reading: what it publishes, the
 * images it runs, and that the api and worker get an environment that Takedown's own configuration accepts.
 */
describe('docker-compose.yml', () => {
  const compose = load(secrets);
  const services = compose.services;

  it('has the database, Temporal with its schema step, its UI, a mail catcher, migrations, api, worker and mail intake', () => {
    expect(Object.keys(services).sort()).toEqual([
      'api',
      'codec-server',
      'db-login',
      'mail',
      'mail-intake',
      'migrate',
      'postgres',
      'temporal',
      'temporal-namespace',
      'temporal-schema',
      'temporal-ui',
      'worker',
    ]);
    expect(services.api.build).toBe('.');
    expect(services.worker.build).toBe('.');
    expect(services['mail-intake'].build).toBe('.');
  });

  it('publishes only the API; anything else answers on 127.0.0.1 at most', () => {
    expect(services.api.ports).toEqual(['3000:3000']);
    for (const [name, service] of Object.entries(services)) {
      if (name === 'api') continue;
      for (const port of service.ports ?? []) expect(`${name} ${port}`).toMatch(/^\S+ 127\.0\.0\.1:\d+:\d+$/);
    }
    expect(services.temporal.ports).toBeUndefined();
    expect(services['mail-intake'].ports).toEqual(['127.0.0.1:2526:2526']);
    expect(services.api.environment).not.toHaveProperty('INBOUND_SMTP_PORT');
    expect(services['temporal-ui'].environment).toMatchObject({ TEMPORAL_DISABLE_WRITE_ACTIONS: 'true' });
    // The UI's page shows encrypted payloads through the codec server, which answers that page's origin only.
    expect(services['temporal-ui'].environment).toMatchObject({
      TEMPORAL_CODEC_ENDPOINT: 'http://127.0.0.1:8234',
    });
    expect(services['codec-server'].ports).toEqual(['127.0.0.1:8234:8234']);
    expect(services['codec-server'].environment).toMatchObject({
      CODEC_SERVER_UI_ORIGIN: 'http://127.0.0.1:8080',
    });
  });

  it("runs temporalio/server with a schema step from admin-tools, at the dev stack's version, no auto-setup", () => {
    for (const service of Object.values(services)) expect(service.image ?? '').not.toMatch(/auto-setup/);
    const version = TEMPORAL_SERVER_VERSION.replace(/^v/, '');
    expect(services.temporal.image).toBe(`temporalio/server:${version}`);
    for (const job of ['temporal-schema', 'temporal-namespace']) {
      expect(services[job].image).toMatch(
        new RegExp(`^temporalio/admin-tools:${version.replace(/\./g, '\\.')}-`),
      );
    }
    expect(services['temporal-schema'].command?.join('\n')).toMatch(/setup-schema[\s\S]*update-schema/);
    expect(services.temporal.depends_on).toMatchObject({
      'temporal-schema': { condition: 'service_completed_successfully' },
    });
  });

  it.each(['api', 'worker', 'mail-intake'])(
    'gives the %s the app login, not the owner, and an environment the configuration accepts in production',
    (name) => {
      const env = Object.fromEntries(
        Object.entries(services[name].environment ?? {})
          // A variable without a value is passed through from the operator's environment.
          .filter(([, v]) => v !== null)
          .map(([k, v]) => [k, String(v)]),
      );
      const parsed = loadEnv({ ...env, NODE_ENV: 'production' });
      expect(new URL(parsed.DATABASE_URL!).username).toBe('takedown_api');
      expect(parsed.DATABASE_URL).toMatch(/@postgres:5432\//);
      expect(parsed.TEMPORAL_ADDRESS).toBe('temporal:7233');
      expect(parsed.LINK_SIGNING_KEYS).toBe(secrets.LINK_SIGNING_KEYS);
      expect(parsed.REPORT_SIGNING_KEYS).toBe(secrets.REPORT_SIGNING_KEYS);
      expect(parsed.TEMPORAL_PAYLOAD_KEYS).toBe(secrets.TEMPORAL_PAYLOAD_KEYS);
      expect(parsed.URL_HASH_KEYS).toBe(secrets.URL_HASH_KEYS);
    },
  );

  it('holds no secret of its own: each comes from the environment, and compose stops when one is unset', () => {
    const unset = load({});
    const env = unset.services.api.environment ?? {};
    expect(String(env.LINK_SIGNING_KEYS)).toBe('<unset LINK_SIGNING_KEYS>');
    expect(String(env.REPORT_SIGNING_KEYS)).toBe('<unset REPORT_SIGNING_KEYS>');
    expect(String(env.TEMPORAL_PAYLOAD_KEYS)).toBe('<unset TEMPORAL_PAYLOAD_KEYS>');
    expect(String(env.URL_HASH_KEYS)).toBe('<unset URL_HASH_KEYS>');
    expect(String(env.DATABASE_URL)).toContain('<unset TAKEDOWN_DB_PASSWORD>');
    expect(String(unset.services.postgres.environment?.POSTGRES_PASSWORD)).toBe('<unset POSTGRES_PASSWORD>');
  });

  it.each(['api', 'worker', 'mail-intake', 'migrate', 'codec-server'])(
    'starts the %s from a file the build produces',
    (name) => {
      const command = (services[name].command ?? []).join(' ');
      const entries = [...command.matchAll(/dist\/(\S+)\.js/g)].map((m) => m[1]);
      expect(entries.length).toBeGreaterThan(0);
      for (const entry of entries) expect(fs.existsSync(path.join(root, `${entry}.ts`))).toBe(true);
    },
  );

  it('builds on a supported Node LTS, with no install script run but those named', () => {
    const dockerfile = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    const bases = [...dockerfile.matchAll(/^FROM node:(\d+)/gm)].map((m) => Number(m[1]));
    expect(bases.length).toBeGreaterThan(0);
    for (const major of bases) expect([22, 24]).toContain(major);
    const installs = [...dockerfile.matchAll(/npm (ci|install)\b[^\n&]*/g)].map((m) => m[0]);
    expect(installs).toEqual(['npm ci --ignore-scripts ']);
  });

  it('runs two worker replicas on the shared task queue, with no host port that a second replica would clash on', () => {
    const worker = services.worker;
    expect(worker.deploy?.replicas).toBe(2);
    expect(worker.ports).toBeUndefined();
    expect(worker.environment).not.toHaveProperty('TEMPORAL_TASK_QUEUE');
  });
});
