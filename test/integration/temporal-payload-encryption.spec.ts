import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { DataSource } from 'typeorm';
import { EncryptionCodec, resolvePayloadKeys, temporalDataConverter } from '@takedown/config';
import { statusQuery } from '@takedown/workflows/messages';
import { noticeWorkflowId } from '@takedown/workflows/task-queues';
import { startSystem, type RunningSystem } from '../support/api';
import { storeCustomer } from '../support/customers';
import { eventually } from '../support/eventually';

/**
 * Temporal never passes these through a codec: patch markers (a patch id) and search attributes, which it indexes.
 * Neither holds notice data.
 */
const LEFT_CLEAR = new Set(['markerRecordedEventAttributes', 'searchAttributes']);

/** The payloads of a history a codec sees (workflow input, signals, updates, activity arguments and results). */
function payloadsOf(node: unknown, found: Payload[] = []): Payload[] {
  if (node === null || typeof node !== 'object' || node instanceof Uint8Array) return found;
  const o = node as Record<string, unknown>;
  if (o.data instanceof Uint8Array && o.metadata && typeof o.metadata === 'object') {
    found.push(o as Payload);
    return found;
  }
  for (const [key, child] of Object.entries(o)) if (!LEFT_CLEAR.has(key)) payloadsOf(child, found);
  return found;
}

/**
 * What the API and worker write into Temporal history is encrypted (TEMPORAL_PAYLOAD_KEYS): whoever reads the history
 * through a plain Temporal client (the UI, the CLI, a copy of Temporal's database) finds neither the dispute text nor
 * the reported URL; with the codec, the dispute text is there.
 */
describe('Temporal payload encryption', () => {
  let system: RunningSystem;
  let connection: Connection;

  beforeAll(async () => {
    system = await startSystem();
    connection = await Connection.connect({ address: system.env.TEMPORAL_ADDRESS });
  });
  afterAll(async () => {
    await connection?.close();
    await system?.stop();
  });

  it('keeps a dispute text and the reported URL out of the history a client without the codec reads', async () => {
    const { customer, ip } = await storeCustomer(system.app.get(DataSource));
    const ref = `codec-${randomUUID()}`;
    const url = `https://files.tenant-a.example/${ref}/gallery`;
    const dispute = `licensed copy under contract ${randomUUID()}`;
    const created = await system.http
      .post('/v1/notices')
      .send({
        source: { kind: 'hotline', name: 'Codec Hotline' },
        sourceReference: ref,
        category: 'phishing',
        urls: [url],
        ip,
      })
      .expect(201);
    const id = created.body.id as string;
    await eventually(
      async () => (await system.http.get(`/v1/notices/${id}`)).body.state as string,
      (s) => s === 'customer_notified',
    );
    const asCustomer = await system.as('customer', { customerId: customer.id });
    await asCustomer
      .post(`/v1/customer/notices/${id}/answer`)
      .send({ kind: 'dispute', reason: dispute })
      .expect(200);

    const plain = new Client({ connection }).workflow.getHandle(noticeWorkflowId(id));
    const history = await plain.fetchHistory();
    const stored = Buffer.from(temporal.api.history.v1.History.encode(history).finish()).toString('latin1');
    expect(stored).not.toContain(dispute);
    expect(stored).not.toContain(ref);
    const payloads = payloadsOf(history);
    expect(payloads.length).toBeGreaterThan(3);
    for (const p of payloads) expect(Buffer.from(p.metadata!.encoding!).toString()).toBe('binary/encrypted');
    // A client without the codec cannot read a query's answer either.
    await expect(plain.query(statusQuery)).rejects.toThrow();

    const codec = new EncryptionCodec(resolvePayloadKeys(system.env));
    const opened = (await codec.decode(payloads))
      .map((p) => Buffer.from(p.data ?? []).toString('utf8'))
      .join('\n');
    // The dispute reached the workflow, and the desk's task summary quotes it; the URL travels as the notice's id.
    expect(opened).toContain(`"reason":"${dispute}"`);
    expect(opened).toContain(`"summary":"The customer disputes the notice: ${dispute}"`);
    expect(opened).not.toContain(ref);
    const withCodec = new Client({ connection, dataConverter: temporalDataConverter(system.env) });
    const status = await withCodec.workflow.getHandle(noticeWorkflowId(id)).query(statusQuery);
    expect(status.pendingTasks).toEqual([expect.objectContaining({ kind: 'dispute_review' })]);
  });
});
