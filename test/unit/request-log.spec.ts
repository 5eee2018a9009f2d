import { Logger } from '@nestjs/common';
import Fastify, { type FastifyInstance } from 'fastify';
import { Writable } from 'node:stream';
import pino from 'pino';
import * as redaction from '@takedown/api/common/log-redaction';
import { RequestLog } from '@takedown/api/common/request-log';
import { nestLogger } from '@takedown/observability';

/** A destination that keeps each JSON line written to it. */
function lines(): { stream: Writable; read: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return {
    stream,
    read: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('the request log', () => {
  let app: FastifyInstance;
  const written = lines();
  const log = new RequestLog('info', written.stream);
  const nest = log.nest();

  beforeAll(async () => {
    app = Fastify();
    log.register(app);
    app.get('/v1/things/:id', async () => {
      nest.log({ step: 'inside' }, 'looked it up', 'ThingsController');
      return { ok: true };
    });
    app.get('/health', async () => ({ ok: true }));
    app.get('/fails', async (_req, reply) => reply.status(503).send({ down: true }));
    await app.ready();
  });
  afterAll(() => app.close());

  it('writes a line per answered request, redacted, and binds the lines written while serving it', async () => {
    const secret = 'https://files.example/gallery/x.jpg';
    const res = await app.inject({
      url: `/v1/things/abc?status=open&source=${encodeURIComponent(secret)}`,
      headers: { authorization: 'Bearer secret-token' },
    });
    expect(res.statusCode).toBe(200);
    await app.inject({ url: '/health' });
    await app.inject({ url: '/fails' });

    const [inside, completed, errored, ...rest] = written.read();
    expect(rest).toEqual([]);
    expect(inside).toMatchObject({
      level: 30,
      msg: 'looked it up',
      context: 'ThingsController',
      step: 'inside',
    });
    expect(completed).toMatchObject({
      level: 30,
      msg: 'request completed',
      req: {
        method: 'GET',
        url: '/v1/things/abc?status=open&source=[redacted]',
        params: { id: 'abc' },
        query: { status: 'open', source: '[redacted]' },
        headers: { authorization: '[Redacted]' },
      },
      res: { statusCode: 200 },
    });
    expect(typeof completed.responseTime).toBe('number');
    // The line written inside the request carries the same request.
    expect((inside.req as { id: string }).id).toBe((completed.req as { id: string }).id);
    // An answered 5xx is a request line like any other (a 503 in an outage is the API working as it should).
    expect(errored).toMatchObject({ level: 30, msg: 'request errored', res: { statusCode: 503 } });
    expect(JSON.stringify(written.read())).not.toContain('files.example');
    expect(JSON.stringify(written.read())).not.toContain('secret-token');
  });

  it('serializes no request at a level that writes no line for it', async () => {
    const quiet = lines();
    const warnOnly = new RequestLog('warn', quiet.stream);
    const server = Fastify();
    warnOnly.register(server);
    const quietNest = warnOnly.nest();
    server.get('/v1/x', async () => {
      quietNest.log({ step: 'inside' }, 'below the level', 'X');
      return {};
    });
    await server.ready();
    const serialize = jest.spyOn(redaction, 'redactRequestForLog');
    try {
      for (let i = 0; i < 3; i++) expect((await server.inject({ url: '/v1/x' })).statusCode).toBe(200);
      expect(quiet.read()).toEqual([]);
      expect(serialize).not.toHaveBeenCalled();
      // The same requests at info are serialized: the spy sees the serializer.
      await app.inject({ url: '/v1/things/b' });
      expect(serialize).toHaveBeenCalled();
    } finally {
      serialize.mockRestore();
      await server.close();
    }
  });
});

describe("Nest's logger on pino", () => {
  it('writes an object with a text after it as those fields with that message, and a string with its context', () => {
    const out = lines();
    const log = pino({ base: undefined, timestamp: false }, out.stream);
    const service = nestLogger(log);
    Logger.overrideLogger(service);
    try {
      const logger = new Logger('NoticesService');
      logger.log({ noticeId: 'n-1' }, 'notice received');
      logger.log('plain words');
      logger.error({ noticeId: 'n-2' }, 'bulk action failed');
      logger.error('went wrong', 'Error: x\n    at f (file.ts:1:1)');
      logger.warn(new Error('an error'));
    } finally {
      Logger.overrideLogger(false);
    }
    expect(out.read()).toEqual([
      { level: 30, context: 'NoticesService', noticeId: 'n-1', msg: 'notice received' },
      { level: 30, context: 'NoticesService', msg: 'plain words' },
      { level: 50, context: 'NoticesService', noticeId: 'n-2', msg: 'bulk action failed' },
      { level: 50, context: 'NoticesService', stack: 'Error: x\n    at f (file.ts:1:1)', msg: 'went wrong' },
      expect.objectContaining({
        level: 40,
        context: 'NoticesService',
        msg: 'an error',
        err: expect.anything(),
      }),
    ]);
  });

  it('asks a logger given as a function at each line', () => {
    const first = lines();
    const second = lines();
    let current = pino({ base: undefined, timestamp: false }, first.stream);
    const service = nestLogger(() => current);
    service.log('one', 'Ctx');
    current = pino({ base: undefined, timestamp: false }, second.stream);
    service.log('two', 'Ctx');
    expect(first.read().map((l) => l.msg)).toEqual(['one']);
    expect(second.read().map((l) => l.msg)).toEqual(['two']);
  });
});
