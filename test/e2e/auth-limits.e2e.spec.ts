import { randomUUID } from 'node:crypto';
import type * as http from 'node:http';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { AppConfig } from '@takedown/api/app-config';
import { BODY_LIMITS } from '@takedown/api/common/body-limits';
import { createApp } from '@takedown/api/create-app';
import { freePort } from '@takedown/dev';
import { tokenFor } from '../support/api';
import { testEnv } from '../support/env';
import { rawRequest } from '../support/raw-http';

/** An API alone, listening on loopback: these tests speak HTTP by hand to send a body only in part. */
async function startApi(overrides: Record<string, string>): Promise<{ app: INestApplication; port: number }> {
  const app = await createApp(
    new AppConfig(testEnv({ TEMPORAL_TASK_QUEUE: `auth-limits-${randomUUID()}`, ...overrides })),
  );
  const port = await freePort();
  await app.listen(port, '127.0.0.1');
  return { app, port };
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
  /** Bytes of the body sent when the answer came. */
  sent: number;
}

/**
 * Announces a body of `length` bytes, sends the first 64 kB only and waits for the answer: one that comes proves the
 * API did not wait for (or read) the rest. Fails after `within` ms without an answer.
 */
async function postPartly(
  port: number,
  path: string,
  headers: Record<string, string>,
  length: number,
  within = 10_000,
): Promise<Answer> {
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  const answer = await rawRequest(port, { method: 'POST', path, headers, chunks: [chunk], length, within });
  return {
    status: answer.status,
    headers: answer.headers,
    body: JSON.parse(answer.text || '{}') as Record<string, unknown>,
    sent: chunk.length,
  };
}

describe('authentication before large bodies', () => {
  let api: { app: INestApplication; port: number };

  beforeAll(async () => {
    api = await startApi({});
  });
  afterAll(() => api?.app.close());

  it.each([
    ['a batch', '/v1/notices/batch', 'application/json', BODY_LIMITS.bulk],
    ['an inventory as JSON', '/v1/imports/inventory', 'application/json', BODY_LIMITS.bulk],
    ['an X-ARF report', '/v1/notices', 'application/vnd.xarf+json', BODY_LIMITS.xarf],
  ])(
    'refuses %s without a valid token with 401 before reading the body, and closes the connection',
    async (_what, path, type, limit) => {
      for (const authorization of [undefined, `Bearer td_${'0'.repeat(32)}_${'x'.repeat(43)}`]) {
        const answer = await postPartly(
          api.port,
          path,
          { 'Content-Type': type, ...(authorization ? { Authorization: authorization } : {}) },
          limit - 1,
        );
        expect({ authorization, status: answer.status }).toEqual({ authorization, status: 401 });
        expect(answer.body).toMatchObject({ statusCode: 401, code: 'AUTH.UNAUTHENTICATED' });
        expect(answer.headers['www-authenticate']).toMatch(/^Bearer realm="takedown"/);
        expect(answer.headers.connection).toBe('close');
      }
    },
  );

  it('reads the body of an authenticated caller as before', async () => {
    const token = await tokenFor(api.app, 'abuse_desk');
    const res = await request(api.app.getHttpServer())
      .post('/v1/notices/batch')
      .set('Authorization', `Bearer ${token}`)
      .send([{ sourceReference: 'x' }])
      .expect(200);
    expect(res.body).toMatchObject({ created: 0, rejected: 1 });
  });
});

describe('the limit on failed authentications', () => {
  let api: { app: INestApplication; port: number };

  beforeAll(async () => {
    api = await startApi({ AUTH_FAILURES_PER_MINUTE: '3' });
  });
  afterAll(() => api?.app.close());

  it('answers an address’s failures past the limit with 429 and Retry-After, never an authenticated caller', async () => {
    const server = api.app.getHttpServer();
    const token = await tokenFor(api.app, 'abuse_desk');
    const bad = `td_${'1'.repeat(32)}_${'y'.repeat(43)}`;
    await request(server).get('/v1/notices').expect(401);
    await request(server).get('/v1/notices').set('Authorization', `Bearer ${bad}`).expect(401);
    await request(server).get('/v1/tasks').set('Authorization', 'Basic YWRtaW46YWRtaW4=').expect(401);

    for (const attempt of [
      request(server).get('/v1/notices'),
      request(server).get('/v1/notices').set('Authorization', `Bearer ${bad}`),
    ]) {
      const over = await attempt.expect(429);
      expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(over.headers['retry-after'])).toBeLessThanOrEqual(60);
      expect(over.body).toMatchObject({
        statusCode: 429,
        code: 'REQUEST.RATE_LIMITED',
        retryAfterSeconds: Number(over.headers['retry-after']),
      });
    }
    const large = await postPartly(
      api.port,
      '/v1/notices/batch',
      { 'Content-Type': 'application/json' },
      1e6,
    );
    expect(large.status).toBe(429);

    // The same address with a valid token, and the public routes, go on as before.
    await request(server).get('/v1/notices').set('Authorization', `Bearer ${token}`).expect(200);
    await request(server)
      .get('/health')
      .expect((res) => expect(res.status).not.toBe(429));
  });
});
