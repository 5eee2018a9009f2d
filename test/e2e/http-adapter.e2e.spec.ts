import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import { gzipSync } from 'node:zlib';
import type { INestApplication } from '@nestjs/common';
import { AppConfig } from '@takedown/api/app-config';
import { BODY_LIMITS } from '@takedown/api/common/body-limits';
import { createApp } from '@takedown/api/create-app';
import { freePort } from '@takedown/dev';
import { tokenFor } from '../support/api';
import { testEnv } from '../support/env';
import { rawRequest as call } from '../support/raw-http';

const tooLarge = (limit: number) => ({
  statusCode: 413,
  code: 'REQUEST.TOO_LARGE',
  message: `the body is larger than this route takes (${limit >= 1024 * 1024 ? `${limit / 1024 / 1024} MiB` : `${limit / 1024} kB`})`,
  limit,
});

describe('the API on Fastify: body reading, events, static console, routing', () => {
  let app: INestApplication;
  let port: number;
  let token: string;

  beforeAll(async () => {
    app = await createApp(new AppConfig(testEnv({ TEMPORAL_TASK_QUEUE: `http-adapter-${randomUUID()}` })));
    port = await freePort();
    await app.listen(port, '127.0.0.1');
    token = await tokenFor(app, 'abuse_desk');
  });
  afterAll(() => app?.close());

  it.each([
    ['JSON on an ordinary route', '/v1/notices', 'application/json', BODY_LIMITS.default],
    ['a form on a link page', '/links/not-a-token', 'application/x-www-form-urlencoded', BODY_LIMITS.default],
    ['an X-ARF report', '/v1/notices', 'application/vnd.xarf+json', BODY_LIMITS.xarf],
    ['JSON lines of a batch', '/v1/notices/batch', 'application/x-ndjson', BODY_LIMITS.bulk],
    ['a JSON batch', '/v1/notices/batch', 'application/json', BODY_LIMITS.bulk],
  ])('refuses %s announced over its limit with 413 before reading it', async (_what, path, type, limit) => {
    const answer = await call(port, {
      method: 'POST',
      path,
      headers: { 'Content-Type': type, Authorization: `Bearer ${token}` },
      chunks: [Buffer.alloc(16 * 1024, 0x20)],
      length: limit + 1,
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.text)).toEqual(tooLarge(limit));
  });

  it('counts a body sent without Content-Length, and a compressed one after inflating it', async () => {
    const over = Buffer.from(JSON.stringify({ description: 'x'.repeat(BODY_LIMITS.default) }));
    const chunked = await call(port, {
      method: 'POST',
      path: '/v1/notices',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      chunks: [over],
      length: null,
    });
    expect(chunked.status).toBe(413);
    // 100 kB of one letter compress to a few hundred bytes: the limit is on what the API would hold.
    const zipped = await call(port, {
      method: 'POST',
      path: '/v1/notices',
      headers: {
        'Content-Type': 'application/json',
        'Content-Encoding': 'gzip',
        Authorization: `Bearer ${token}`,
      },
      chunks: [gzipSync(over)],
    });
    expect(zipped.status).toBe(413);
    expect(JSON.parse(zipped.text)).toEqual(tooLarge(BODY_LIMITS.default));
  });

  it('reads a gzip-compressed JSON body, and refuses another character set with 415', async () => {
    const body = gzipSync(Buffer.from(JSON.stringify({ sourceReference: 'x' })));
    const zipped = await call(port, {
      method: 'POST',
      path: '/v1/notices/batch',
      headers: {
        'Content-Type': 'application/json',
        'Content-Encoding': 'gzip',
        Authorization: `Bearer ${token}`,
      },
      chunks: [body],
    });
    // Read: the body is an object, not a list, which the batch names.
    expect(zipped.status).toBe(400);
    expect(zipped.text).not.toMatch(/well-formed/);
    const latin1 = await call(port, {
      method: 'POST',
      path: '/v1/notices',
      headers: { 'Content-Type': 'application/json; charset=iso-8859-1', Authorization: `Bearer ${token}` },
      chunks: [Buffer.from('{}')],
    });
    expect(latin1.status).toBe(415);
    expect(JSON.parse(latin1.text)).toMatchObject({ code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE', field: 'body' });
  });

  it('opens the event stream with its own headers and the security headers', async () => {
    const answer = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.get(
        { host: '127.0.0.1', port, path: '/v1/events', headers: { Authorization: `Bearer ${token}` } },
        resolve,
      );
      req.on('error', reject);
    });
    const first = await new Promise<string>((resolve) =>
      answer.once('data', (c: Buffer) => resolve(c.toString())),
    );
    answer.destroy();
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(answer.headers['cache-control']).toBe('no-cache, no-transform');
    expect(answer.headers['x-accel-buffering']).toBe('no');
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(first).toBe('retry: 3000\n\n');
  });

  it('answers a path with a broken percent-encoding 400 without quoting it, with the security headers', async () => {
    const answer = await call(port, {
      method: 'GET',
      path: '/v1/notices/%E0%A4%A',
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text)).toEqual({
      statusCode: 400,
      code: 'REQUEST.INVALID',
      message: 'the path holds a malformed percent-encoding',
      field: 'path',
    });
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
  });

  it('matches routes in any case and with a trailing slash, as before', async () => {
    for (const path of ['/V1/Notices?limit=1', '/v1/notices/?limit=1']) {
      const answer = await call(port, { method: 'GET', path, headers: { Authorization: `Bearer ${token}` } });
      expect({ path, status: answer.status }).toEqual({ path, status: 200 });
    }
  });

  it('serves the console’s settings and sends /console to /console/', async () => {
    const settings = await call(port, { method: 'GET', path: '/console/settings.json' });
    expect(settings.status).toBe(200);
    expect(settings.headers['cache-control']).toBe('no-cache');
    expect(JSON.parse(settings.text)).toHaveProperty('oidc');
    const bare = await call(port, { method: 'GET', path: '/console' });
    expect(bare.status).toBe(301);
    expect(bare.headers.location).toBe('/console/');
  });
});
