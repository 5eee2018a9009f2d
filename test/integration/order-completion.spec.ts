import { randomUUID } from 'node:crypto';
import type { JWK } from 'jose';
import request from 'supertest';
import { insertRemovalOrder, runRetention } from '@takedown/persistence';
import { verifySnapshotFile, type OrderCompletionRecord } from '@takedown/reports';
import { authorizedHttp, type Http } from '../support/api';
import { ownDatabase } from '../support/own-database';
import { storeNotice } from '../support/notices';
import { pdfText } from '../support/pdf-text';

const URL_HASH_KEY = { kid: 'test', secret: Buffer.from('a test key of thirty-two characters or more') };

const DAY = 86_400_000;
const URL_A = 'https://video.tenant-a.example/watch/5d1e?t=12';

type Signed = OrderCompletionRecord & { digest: { value: string }; signature: { kid: string } };

/**
 * The end of a removal order, on a database of its own (a retention run changes every old notice): the completion
 * record for the authority as signed JSON and PDF of one snapshot, made once the order's notice closed; the content's
 * metadata held six months from the close, which a retention run respects.
 */
describe('removal orders: completion record and preservation hold', () => {
  const own = ownDatabase('orders');
  let http: Http;

  beforeAll(async () => {
    await own.start();
    http = await authorizedHttp(own.app, 'abuse_desk');
  });

  afterAll(async () => {
    await own.stop();
  });

  /** An order and its notice, received `daysAgo` days ago; the notice closed an hour later when `closed`. */
  const order = async (daysAgo: number, closed: { outcome: string; removedAfterMin: number } | null) => {
    const receivedAt = new Date(Date.now() - daysAgo * DAY);
    const { notice } = await storeNotice(own.db, { category: 'terrorist_content', receivedAt });
    await own.db.query(`UPDATE notices SET urls = $2, deadline = $3 WHERE id = $1`, [
      notice.id,
      [URL_A],
      new Date(receivedAt.getTime() + 3600_000),
    ]);
    if (closed) await close(notice.id, receivedAt, closed);
    const { id } = await insertRemovalOrder(own.db, {
      id: randomUUID(),
      noticeId: notice.id,
      authority: 'Nationale Politie',
      memberState: 'NL',
      reference: `TCO-NL-${randomUUID()}`,
      issuedAt: new Date(receivedAt.getTime() - 600_000),
      receivedAt,
      urls: [URL_A],
      reasons: `Incitement, see ${URL_A}`,
      contactPoint: 'tco@provider.example',
      informProvider: false,
      receivedBy: 'token:desk',
    });
    return { id, noticeId: notice.id, receivedAt };
  };

  const close = async (
    noticeId: string,
    receivedAt: Date,
    c: { outcome: string; removedAfterMin: number },
  ): Promise<Date> => {
    const removedAt = new Date(receivedAt.getTime() + c.removedAfterMin * 60_000);
    const closedAt = new Date(removedAt.getTime() + 60_000);
    await own.db.query(
      `UPDATE notices SET state = 'closed', outcome = $2, removed_at = $3, closed_at = $4 WHERE id = $1`,
      [noticeId, c.outcome, c.outcome === 'suspended' ? null : removedAt, closedAt],
    );
    return closedAt;
  };

  it('makes the completion record once the notice closed: signed JSON and PDF of one snapshot', async () => {
    const o = await order(0, null);
    const open = await http.get(`/v1/orders/${o.id}/completion.json`).expect(409);
    expect(open.body).toMatchObject({ code: 'ORDER.OPEN', state: 'received' });

    const closedAt = await close(o.noticeId, o.receivedAt, {
      outcome: 'removed_in_time',
      removedAfterMin: 40,
    });
    const res = await http.get(`/v1/orders/${o.id}/completion.json`).expect(200);
    const json = Buffer.from(res.text, 'utf8');
    const record = JSON.parse(res.text) as Signed;
    const sixMonths = new Date(closedAt);
    sixMonths.setUTCMonth(sixMonths.getUTCMonth() + 6);
    expect(record).toMatchObject({
      format: 'takedown.order-completion',
      order: { id: o.id, authority: 'Nationale Politie', memberState: 'NL', informProvider: false },
      action: {
        taken: 'removed',
        at: new Date(o.receivedAt.getTime() + 40 * 60_000).toISOString(),
        withinDeadline: true,
      },
      preservedUntil: sixMonths.toISOString(),
    });
    expect(record.order.reference).toMatch(/^TCO-NL-/);
    // The URL as host and hash only; the order's reasons stay out.
    expect(res.text).not.toContain('/watch/5d1e');
    expect(res.text).not.toContain('Incitement');
    expect(record.order.urls).toEqual([{ host: 'video.tenant-a.example', pathSha256: expect.any(String) }]);

    const pdf = (
      await http
        .get(`/v1/orders/${o.id}/completion.pdf`)
        .buffer(true)
        .parse((r, cb) => {
          const chunks: Buffer[] = [];
          r.on('data', (c: Buffer) => chunks.push(c));
          r.on('end', () => cb(null, Buffer.concat(chunks)));
        })
        .expect(200)
    ).body as Buffer;
    expect(pdfText(pdf)).toContain(record.digest.value);
    expect(pdfText(pdf)).toContain(record.order.reference);

    const again = await http.get(`/v1/orders/${o.id}/completion.json`).expect(200);
    expect(again.text).toBe(res.text);

    const jwks = (await request(own.app.getHttpServer()).get('/.well-known/takedown-keys').expect(200))
      .body as { keys: JWK[] };
    await expect(verifySnapshotFile(json, jwks)).resolves.toMatchObject({
      ok: true,
      payload: { kind: 'order_completion', subjectId: o.id },
    });
    await expect(verifySnapshotFile(pdf, jwks)).resolves.toMatchObject({ ok: true });
    const tampered = Buffer.from(res.text.replace('"removed"', '"disabled"'), 'utf8');
    await expect(verifySnapshotFile(tampered, jwks)).resolves.toMatchObject({ ok: false });

    const view = await http.get(`/v1/orders/${o.id}`).expect(200);
    expect(view.body).toMatchObject({ state: 'closed', preserveUntil: sixMonths.toISOString() });
  });

  it('says the content was disabled when the NOC suspended the server, late if after the hour', async () => {
    const o = await order(0, { outcome: 'suspended', removedAfterMin: 75 });
    const record = (await http.get(`/v1/orders/${o.id}/completion.json`).expect(200)).body as Signed;
    expect(record.action).toMatchObject({ taken: 'disabled', withinDeadline: false });
  });

  it('is 404 for an unknown order', async () => {
    await http.get(`/v1/orders/${randomUUID()}/completion.pdf`).expect(404);
  });

  it('keeps an order’s content metadata for six months through a retention run, then reduces it', async () => {
    const held = await order(40, { outcome: 'removed_in_time', removedAfterMin: 30 });
    const { notice: plain } = await storeNotice(own.db, {
      category: 'terrorist_content',
      receivedAt: new Date(Date.now() - 40 * DAY),
    });
    await close(plain.id, new Date(Date.now() - 40 * DAY), {
      outcome: 'removed_in_time',
      removedAfterMin: 30,
    });

    const run = await runRetention(own.db, { days: 30, urlHashKey: URL_HASH_KEY });
    expect(run.examples.notices).toContain(plain.id);
    expect(run.examples.notices).not.toContain(held.noticeId);
    const urls = async () =>
      (
        (await own.db.query(
          `SELECT n.urls AS notice, o.urls AS "order", n.anonymised_at AS at
             FROM notices n JOIN removal_orders o ON o.notice_id = n.id WHERE n.id = $1`,
          [held.noticeId],
        )) as { notice: string[]; order: string[]; at: Date | null }[]
      )[0];
    expect(await urls()).toEqual({ notice: [URL_A], order: [URL_A], at: null });

    const sevenMonthsOn = new Date(Date.now() + 165 * DAY);
    const later = await runRetention(own.db, { days: 30, urlHashKey: URL_HASH_KEY }, { now: sevenMonthsOn });
    expect(later.examples.notices).toContain(held.noticeId);
    expect(later.rows.removal_orders).toBeGreaterThanOrEqual(1);
    const after = await urls();
    expect(after.at).not.toBeNull();
    expect(after.notice[0]).toMatch(/^https:\/\/video\.tenant-a\.example\/\[hmac:test:[0-9a-f]{64}\]$/);
    expect(after.order).toEqual(after.notice);
  });
});
