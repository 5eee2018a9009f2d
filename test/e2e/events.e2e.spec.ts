import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '@takedown/api/app-config';
import { createApp } from '@takedown/api/create-app';
import { startSystem, type RunningSystem } from '../support/api';
import { storeCustomer, type StoredCustomer } from '../support/customers';
import { eventually } from '../support/eventually';

interface SseEvent {
  id?: string;
  event?: string;
  data: { id: string; noticeId: string; type: string; state: string; occurredAt: string };
}

/** An open `GET /v1/events` as a browser's EventSource reads it: the events so far, parsed from the wire. */
class Stream {
  readonly events: SseEvent[] = [];
  status = 0;
  contentType = '';
  /** Resolves when the server ends the stream. */
  ended!: Promise<void>;
  private req!: http.ClientRequest;
  private buffer = '';

  static open(port: number, token: string, lastEventId?: string): Promise<Stream> {
    const stream = new Stream();
    return new Promise((resolve, reject) => {
      stream.req = http.get(
        {
          host: '127.0.0.1',
          port,
          path: '/v1/events',
          headers: {
            authorization: `Bearer ${token}`,
            accept: 'text/event-stream',
            ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
          },
        },
        (res) => {
          stream.status = res.statusCode ?? 0;
          stream.contentType = String(res.headers['content-type']);
          stream.ended = new Promise((done) => res.once('end', () => done()));
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => stream.take(chunk));
          // The first bytes (`retry:`) say the stream is subscribed.
          res.once('data', () => resolve(stream));
          res.on('error', () => undefined);
        },
      );
      stream.req.on('error', reject);
    });
  }

  private take(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) !== -1) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const fields: Record<string, string> = {};
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        fields[line.slice(0, colon)] = line.slice(colon + 1).trimStart();
      }
      if (fields.data) {
        this.events.push({
          id: fields.id,
          event: fields.event,
          data: JSON.parse(fields.data) as SseEvent['data'],
        });
      }
    }
  }

  of(noticeId: string): SseEvent[] {
    return this.events.filter((e) => e.data.noticeId === noticeId);
  }

  close(): void {
    this.req.destroy();
  }
}

/**
 * `GET /v1/events` with two API replicas on one database: a change made through replica A's routes reaches a stream
 * opened on replica B through PostgreSQL LISTEN/NOTIFY, a stream resumed with Last-Event-ID replays what it missed,
 * and an account manager's stream carries its own customers' notices only.
 */
describe('live notice events over SSE', () => {
  let system: RunningSystem;
  let replicaB: INestApplication;
  let portB: number;
  let db: DataSource;
  let mine: StoredCustomer;
  let theirs: StoredCustomer;
  const streams: Stream[] = [];

  beforeAll(async () => {
    system = await startSystem();
    db = system.app.get(DataSource);
    replicaB = await createApp(new AppConfig(system.env));
    await replicaB.listen(0, '127.0.0.1');
    portB = (replicaB.getHttpServer().address() as AddressInfo).port;
    [mine, theirs] = [await storeCustomer(db), await storeCustomer(db)];
  });
  afterAll(async () => {
    streams.forEach((s) => s.close());
    await replicaB?.close();
    await system?.stop();
  });

  const open = async (token: string, lastEventId?: string) => {
    const stream = await Stream.open(portB, token, lastEventId);
    streams.push(stream);
    return stream;
  };

  /** A notice submitted through replica A, once its workflow has notified the customer. */
  const openNotice = async (customer: StoredCustomer): Promise<string> => {
    const ref = `sse-${randomUUID()}`;
    const res = await system.http
      .post('/v1/notices')
      .send({
        source: { kind: 'hotline', name: 'SSE Hotline' },
        sourceReference: ref,
        category: 'phishing',
        urls: [`https://login.sse.example/${ref}`],
        ip: customer.ip,
      })
      .expect(201);
    const id = res.body.id as string;
    await eventually(
      async () => (await system.http.get(`/v1/notices/${id}`)).body.state as string,
      (state) => state === 'customer_notified',
    );
    return id;
  };

  const note = (id: string, text: string) =>
    system.http.post(`/v1/notices/${id}/actions/add-note`).send({ reason: text }).expect(200);

  it('delivers a change made through replica A to a stream on replica B within 2 s', async () => {
    const noticeId = await openNotice(mine);
    const stream = await open(await system.tokenFor('abuse_desk'));
    expect(stream.status).toBe(200);
    expect(stream.contentType).toMatch(/^text\/event-stream/);
    // The action answers once its workflow recorded the step: from then on the clock runs.
    await system.http.post(`/v1/notices/${noticeId}/actions/escalate-now`).send({}).expect(200);
    const recorded = Date.now();
    const [escalated] = await eventually(
      async () => stream.of(noticeId).filter((e) => e.data.type === 'escalated'),
      (found) => found.length > 0,
      2000,
    );
    expect(Date.now() - recorded).toBeLessThan(2000);
    expect(escalated).toEqual({
      id: escalated.data.id,
      event: 'notice',
      data: {
        id: expect.stringMatching(/^\d+$/),
        noticeId,
        type: 'escalated',
        state: 'escalated',
        occurredAt: expect.any(String),
      },
    });
    // What was reported never rides along.
    expect(JSON.stringify(stream.events)).not.toContain('login.sse.example');
  });

  it('replays what a client missed when it reconnects with Last-Event-ID', async () => {
    const noticeId = await openNotice(mine);
    const token = await system.tokenFor('abuse_desk');
    const first = await open(token);
    await note(noticeId, 'before the drop');
    const [last] = await eventually(
      async () => first.of(noticeId).filter((e) => e.data.type === 'note'),
      (found) => found.length === 1,
      5000,
    );
    first.close();
    await note(noticeId, 'missed one');
    await note(noticeId, 'missed two');
    const resumed = await open(token, last.id);
    const replayed = await eventually(
      async () => resumed.of(noticeId).filter((e) => e.data.type === 'note'),
      (found) => found.length >= 2,
      5000,
    );
    expect(replayed.map((e) => Number(e.id))).toEqual(
      [...replayed.map((e) => Number(e.id))].sort((a, b) => a - b),
    );
    expect(replayed.every((e) => Number(e.id) > Number(last.id))).toBe(true);
    expect(replayed).toHaveLength(2);
    const timeline = (await system.http.get(`/v1/notices/${noticeId}`)).body.timeline as {
      type: string;
      reason: string;
    }[];
    expect(timeline.filter((e) => e.type === 'note').map((e) => e.reason)).toEqual([
      'before the drop',
      'missed one',
      'missed two',
    ]);
    // Live again after the replay.
    await note(noticeId, 'live after the resume');
    await eventually(
      async () => resumed.of(noticeId).filter((e) => e.data.type === 'note').length,
      (n) => n === 3,
      5000,
    );
  });

  it('never carries another customer’s notice on an account manager’s stream, live or replayed', async () => {
    const [own, other] = [await openNotice(mine), await openNotice(theirs)];
    const manager = await system.tokenFor('account_manager', {
      accountManagerEmail: mine.customer.accountManagerEmail as string,
    });
    const stream = await open(manager);
    const desk = await open(await system.tokenFor('abuse_desk'));
    await note(other, 'not for this manager');
    await note(own, 'for this manager');
    await eventually(
      async () => stream.of(own).length,
      (n) => n > 0,
      5000,
    );
    await eventually(
      async () => desk.of(other).length,
      (n) => n > 0,
      5000,
    );
    expect(stream.of(other)).toEqual([]);
    const customers = await db.query(`SELECT DISTINCT customer_id FROM notices WHERE id = ANY($1)`, [
      [...new Set(stream.events.map((e) => e.data.noticeId))],
    ]);
    expect(customers).toEqual([{ customer_id: mine.customer.id }]);
    // Resumed from before both notes: the replay holds its own notice's note only.
    const before = String(Math.min(Number(stream.of(own)[0].id), Number(desk.of(other)[0].id)) - 1);
    const resumed = await open(manager, before);
    await eventually(
      async () => resumed.of(own).length,
      (n) => n > 0,
      5000,
    );
    expect(resumed.of(other)).toEqual([]);
  });

  it('ends its open streams when the API shuts down, so that their clients reconnect to another replica', async () => {
    const replicaC = await createApp(new AppConfig(system.env));
    await replicaC.listen(0, '127.0.0.1');
    const stream = await Stream.open(
      (replicaC.getHttpServer().address() as AddressInfo).port,
      await system.tokenFor('abuse_desk'),
    );
    streams.push(stream);
    expect(stream.status).toBe(200);
    // An open stream would hold the HTTP server's close for ever.
    await replicaC.close();
    await stream.ended;
  });

  it('is documented in the OpenAPI document as a text/event-stream with its Last-Event-ID header', async () => {
    const doc = (await system.http.get('/docs-json').expect(200)).body;
    const op = doc.paths['/v1/events'].get;
    expect(Object.keys(op.responses['200'].content)).toEqual(['text/event-stream']);
    expect(op.responses['200'].content['text/event-stream'].example).toMatch(
      /^id: \d+\nevent: notice\ndata: \{/,
    );
    expect(op.parameters).toContainEqual(expect.objectContaining({ name: 'Last-Event-ID', in: 'header' }));
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403']));
  });

  it('refuses a Last-Event-ID that is not an event id with a 400 naming it, and no token with a 401', async () => {
    const bad = await Stream.open(portB, await system.tokenFor('abuse_desk'), 'yesterday').catch(() => null);
    expect(bad?.status).toBe(400);
    expect(bad?.contentType).toMatch(/^application\/json/);
    const anonymous = await Stream.open(portB, 'td_nope').catch(() => null);
    expect(anonymous?.status).toBe(401);
  });
});
