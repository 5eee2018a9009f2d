import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AppConfig } from '@takedown/api/app-config';
import { createApp } from '@takedown/api/create-app';
import { parseLinkKeys, signLink } from '@takedown/links';
import { authorizedHttp, startSystem, tokenFor, type Http, type RunningSystem } from '../support/api';
import { testEnv } from '../support/env';

const notice = (sourceReference: string, overrides: Record<string, unknown> = {}) => ({
  source: { kind: 'hotline', name: 'Hardening Hotline', contact: 'reports@hotline.example' },
  sourceReference,
  category: 'phishing',
  urls: [`https://phish.tenant-a.example/login/${sourceReference}`],
  ip: '198.51.100.23',
  ...overrides,
});

const xarf = (reportId: string, overrides: Record<string, unknown> = {}) => ({
  xarf_version: '4.0.0',
  report_id: reportId,
  timestamp: '2026-11-20T08:14:00Z',
  reporter: { org: 'Hardening Hotline', contact: 'reports@hotline.example', domain: 'hotline.example' },
  sender: { org: 'Hardening Hotline', contact: 'reports@hotline.example', domain: 'hotline.example' },
  source_identifier: '198.51.100.23',
  category: 'content',
  type: 'phishing',
  url: `https://phish.tenant-a.example/x/${reportId}`,
  ...overrides,
});

/** An API alone (no worker: nothing here needs a workflow to run), with its own settings and log. */
async function startApi(overrides: Record<string, string>, log?: Writable): Promise<INestApplication> {
  const env = testEnv({ TEMPORAL_TASK_QUEUE: `hardening-${randomUUID()}`, ...overrides });
  const app = await createApp(new AppConfig(env, log));
  await app.init();
  // Nest holds application logs back until listen(); a test that never listens lets them through here.
  app.flushLogs();
  return app;
}

const storedReports = async (app: INestApplication, sourceReference: string) =>
  (
    (await app
      .get(DataSource)
      .query(`SELECT count(*)::int AS n FROM notice_reports WHERE source_reference = $1`, [
        sourceReference,
      ])) as {
      n: number;
    }[]
  )[0].n;

/** What an error body must never hold: a stack frame, SQL, or a driver's words. */
function expectNothingInternal(body: unknown): void {
  const text = JSON.stringify(body);
  expect(text).not.toMatch(/\bat [\w.<>]+ \(|\.ts:\d+|node_modules/);
  expect(text).not.toMatch(/\b(SELECT|INSERT|UPDATE|DELETE)\b .*\b(FROM|INTO|SET)\b/i);
  expect(text).not.toMatch(/QueryFailedError|violates|syntax|pg_|SQLSTATE|stack/i);
}

describe('hardening', () => {
  let system: RunningSystem;
  let http: Http;
  let app: INestApplication;
  /** A fault of the database itself, for one source name only: PostgreSQL raises on insert. */
  const failingSource = `Failing Source ${randomUUID()}`;

  beforeAll(async () => {
    system = await startSystem();
    ({ http, app } = system);
    await app.get(DataSource).query(`
      CREATE OR REPLACE FUNCTION hardening_fail() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'injected failure for %', NEW.source_reference; END $$;
      CREATE TRIGGER hardening_fail BEFORE INSERT ON notices FOR EACH ROW
        WHEN (NEW.source_name = '${failingSource}') EXECUTE FUNCTION hardening_fail();`);
  });

  afterAll(async () => {
    await app
      ?.get(DataSource)
      .query(`DROP TRIGGER hardening_fail ON notices; DROP FUNCTION hardening_fail();`);
    await system?.stop();
  });

  describe('security headers', () => {
    it('sends Helmet’s headers with a strict Content-Security-Policy and no X-Powered-By', async () => {
      const res = await http.get('/v1/notices?limit=1').expect(200);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(res.headers['x-powered-by']).toBeUndefined();
      const csp = res.headers['content-security-policy'];
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    });

    it('still lets Swagger UI load: no inline script, and every script and stylesheet it names is served', async () => {
      const page = await request(app.getHttpServer()).get('/docs/').expect(200);
      expect(page.headers['content-security-policy']).toContain("script-src 'self'");
      expect(page.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      const assets = [...page.text.matchAll(/(?:src|href)=["']([^"']+\.(?:js|css))["']/g)].map((m) => m[1]);
      expect(assets.length).toBeGreaterThanOrEqual(3);
      for (const asset of assets) {
        expect(asset).not.toMatch(/^(https?:)?\/\//); // same origin, as script-src 'self' needs
        const res = await request(app.getHttpServer())
          .get(new URL(asset, 'http://x/docs/').pathname)
          .expect(200);
        expect(res.headers['content-type']).toMatch(/javascript|css/);
      }
    });

    it('keeps the token pasted into Swagger UI out of localStorage', async () => {
      const init = await request(app.getHttpServer()).get('/docs/swagger-ui-init.js').expect(200);
      expect(init.text).toMatch(/"persistAuthorization":\s*false/);
    });

    it('keeps the link pages’ own stricter policy', async () => {
      const res = await request(app.getHttpServer()).get('/links/not-a-token').expect(400);
      expect(res.headers['content-security-policy']).toBe(
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
      );
      expect(res.headers['x-frame-options']).toBe('DENY');
    });
  });

  describe('body size limits', () => {
    it('refuses a body over 100 kB on an ordinary route with 413 and a JSON body naming the limit', async () => {
      const ref = `big-${randomUUID()}`;
      const res = await http
        .post('/v1/notices')
        .send(notice(ref, { description: 'x'.repeat(150 * 1024) }))
        .expect(413);
      expect(res.headers['content-type']).toMatch(/application\/json/);
      expect(res.body).toEqual({
        statusCode: 413,
        code: 'REQUEST.TOO_LARGE',
        message: 'the body is larger than this route takes (100 kB)',
        limit: 100 * 1024,
      });
      expect(await storedReports(app, ref)).toBe(0);
    });

    it('takes a batch of several megabytes, and an X-ARF report with large evidence', async () => {
      // 600 items of 5 kB each (3 MB), every one refused on its own for a missing url (and no ip to stand for
      // one): the batch itself is read.
      const items = Array.from({ length: 600 }, (_, i) => ({
        ...notice(`b-${i}`),
        urls: [],
        ip: undefined,
        description: 'd'.repeat(4900),
      }));
      const batch = await http.post('/v1/notices/batch').send(items).expect(200);
      expect(batch.body).toMatchObject({ created: 0, rejected: 600 });

      const ref = `xarf-big-${randomUUID()}`;
      const evidence = [
        { content_type: 'image/png', payload: Buffer.alloc(1024 * 1024, 7).toString('base64') },
      ];
      await http
        .post('/v1/notices')
        .set('Content-Type', 'application/vnd.xarf+json')
        .send(JSON.stringify(xarf(ref, { evidence })))
        .expect(201);
    });

    it('limits a link page’s form like any other small body', async () => {
      await request(app.getHttpServer())
        .post('/links/not-a-token')
        .type('form')
        .send({ reason: 'r'.repeat(150 * 1024) })
        .expect(413);
    });
  });

  describe('strict input', () => {
    it('refuses unknown properties in a body, nested too, naming them', async () => {
      const top = await http
        .post('/v1/notices')
        .send(notice(`u-${randomUUID()}`, { priority: 'high' }))
        .expect(400);
      expect(top.body.message).toMatch(/priority: is not a property this route takes/);
      const nested = await http
        .post('/v1/notices')
        .send(notice(`u-${randomUUID()}`, { source: { kind: 'hotline', name: 'H', team: 'x' } }))
        .expect(400);
      expect(nested.body.fields).toEqual(
        expect.arrayContaining([expect.objectContaining({ field: 'source.team' })]),
      );
    });

    it('refuses unknown query parameters', async () => {
      const res = await http.get('/v1/notices?colour=red').expect(400);
      expect(res.body.message).toMatch(/colour: is not a property this route takes/);
    });

    it('refuses a NUL character in a single notice with a 400 naming the field, and stores nothing', async () => {
      const ref = `nul-${randomUUID()}`;
      const res = await http
        .post('/v1/notices')
        .send(notice(ref, { description: 'before\u0000after' }))
        .expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, code: 'REQUEST.INVALID', field: 'description' });
      expectNothingInternal(res.body);

      const nested = await http
        .post('/v1/notices')
        .send(notice(ref, { source: { kind: 'hotline', name: 'Hot\u0000line' } }))
        .expect(400);
      expect(nested.body.field).toBe('source.name');
      expect(await storedReports(app, ref)).toBe(0);
    });

    it('names the X-ARF field that holds a NUL character', async () => {
      const ref = `nul-xarf-${randomUUID()}`;
      const body = xarf(ref);
      const res = await http
        .post('/v1/notices')
        .set('Content-Type', 'application/vnd.xarf+json')
        .send(JSON.stringify({ ...body, reporter: { ...body.reporter, org: 'Hot\u0000line' } }))
        .expect(400);
      expect(res.body.field).toBe('reporter.org');
      expect(await storedReports(app, ref)).toBe(0);
    });

    it('refuses a NUL character in one batch item only, naming the field, and takes the others', async () => {
      const good = `nul-batch-ok-${randomUUID()}`;
      const bad = `nul-batch-bad-${randomUUID()}`;
      const res = await http
        .post('/v1/notices/batch')
        .send([notice(good), notice(bad, { urls: ['https://phish.tenant-a.example/\u0000'] })])
        .expect(200);
      expect(res.body.items).toEqual([
        expect.objectContaining({ index: 0, status: 'created' }),
        expect.objectContaining({ index: 1, status: 'rejected', field: 'urls.0' }),
      ]);
      expectNothingInternal(res.body);
      expect(await storedReports(app, bad)).toBe(0);
    });

    it('refuses half a surrogate pair (valid JSON, no valid UTF-8) with a 400 naming the field', async () => {
      // Found by the fuzzer: PostgreSQL refused it in a jsonb column, as a 500.
      const res = await http
        .post(`/v1/notices/${randomUUID()}/actions/add-note`)
        .send({ by: 'desk:hardening', reason: 'before \ud800 after' })
        .expect(400);
      expect(res.body).toMatchObject({ code: 'REQUEST.INVALID', field: 'reason' });
      const ref = `surrogate-${randomUUID()}`;
      await http
        .post('/v1/notices')
        .send(notice(ref, { description: '\udc00' }))
        .expect(400);
      expect(await storedReports(app, ref)).toBe(0);
    });

    it('refuses a NUL character in a query or path parameter', async () => {
      const query = await http.get('/v1/notices?source=Hot%00line').expect(400);
      expect(query.body.field).toBe('source');
      const path = await http
        .post('/v1/notices/x%00/actions/add-note')
        .send({ by: 'desk', reason: 'r' })
        .expect(400);
      expectNothingInternal(path.body);
    });
  });

  describe('error bodies', () => {
    it('answers a database failure with 500 and a request id only: no SQL, no driver message, no stack', async () => {
      const ref = `fail-${randomUUID()}`;
      const res = await http
        .post('/v1/notices')
        .set('X-Request-Id', `hardening-${ref}`)
        .send(notice(ref, { source: { kind: 'hotline', name: failingSource } }))
        .expect(500);
      expect(res.body).toEqual({
        statusCode: 500,
        code: 'INTERNAL',
        message: expect.any(String),
        requestId: `hardening-${ref}`,
      });
      expect(JSON.stringify(res.body)).not.toContain('injected failure');
      expectNothingInternal(res.body);
      expect(await storedReports(app, ref)).toBe(0);
    });

    it('answers unreadable JSON, an unknown route and a bad id without internals', async () => {
      const bad = await http
        .post('/v1/notices')
        .set('Content-Type', 'application/json')
        .send('{"source": ')
        .expect(400);
      expectNothingInternal(bad.body);
      expectNothingInternal((await http.get('/v1/nothing-here').expect(404)).body);
      expectNothingInternal((await http.get('/v1/notices/not-a-uuid').expect(400)).body);
    });
  });

  describe('rate limit', () => {
    let limited: INestApplication;

    beforeAll(async () => {
      limited = await startApi({ RATE_LIMIT_PER_MINUTE: '3' });
    });

    afterAll(() => limited?.close());

    it('answers the request over the limit with 429 and Retry-After, per token, and never limits health', async () => {
      const first = await authorizedHttp(limited);
      const second = await authorizedHttp(limited);
      for (let i = 0; i < 3; i++) await first.get('/v1/notices?limit=1').expect(200);
      const over = await first.get('/v1/tasks?limit=1').expect(429);
      expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(over.headers['retry-after'])).toBeLessThanOrEqual(60);
      expect(over.body).toMatchObject({ statusCode: 429, code: 'REQUEST.RATE_LIMITED' });
      // Another token has its own count.
      await second.get('/v1/notices?limit=1').expect(200);
      for (let i = 0; i < 5; i++) await request(limited.getHttpServer()).get('/health').expect(200);
    });

    it('counts callers without a token by their address', async () => {
      const anonymous = () => request(limited.getHttpServer()).get('/links/not-a-token');
      for (let i = 0; i < 3; i++) await anonymous().expect(400);
      const over = await anonymous().expect(429);
      expect(over.headers['retry-after']).toBeDefined();
    });
  });

  describe('logs', () => {
    it('never write a full CSAM URL, a token or a link signature', async () => {
      const lines: string[] = [];
      const log = new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString());
          done();
        },
      });
      // On the system's task queue: its worker takes the link's action (an update needs a running workflow worker).
      const logged = await startApi(
        { LOG_LEVEL: 'info', TEMPORAL_TASK_QUEUE: system.env.TEMPORAL_TASK_QUEUE as string },
        log,
      );
      try {
        const token = await tokenFor(logged, 'admin');
        const api = request.agent(logged.getHttpServer()).set('Authorization', `Bearer ${token}`);
        const secretPath = `gallery/${randomUUID()}`;
        const url = `https://files.tenant-a.example/${secretPath}`;
        const created = await api
          .post('/v1/notices')
          .send(notice(`log-${randomUUID()}`, { category: 'csam', urls: [url] }))
          .expect(201);
        // A database failure with the URL among the query's parameters.
        await api
          .post('/v1/notices')
          .send(
            notice(`log-fail-${randomUUID()}`, {
              category: 'csam',
              urls: [`${url}/failing`],
              source: { kind: 'hotline', name: failingSource },
            }),
          )
          .expect(500);
        const link = signLink(
          parseLinkKeys(system.env.LINK_SIGNING_KEYS as string),
          { t: 'notice', id: created.body.id as string, action: 'removed' },
          3_600_000,
        );
        await request(logged.getHttpServer()).get(`/links/${link}`).expect(200);
        await request(logged.getHttpServer()).post(`/links/${link}`).type('form').send({}).expect(200);

        const text = lines.join('');
        expect(text).toContain('notice received');
        expect(text).toContain('unhandled error');
        expect(text).toContain('/links/[redacted]');
        expect(text).not.toContain(secretPath);
        expect(text).not.toContain(token);
        expect(text).not.toContain(token.slice(-20));
        expect(text).not.toContain(link.split('.')[1]);
        expect(text).not.toContain(link);
      } finally {
        await logged.close();
      }
    });
  });
});
