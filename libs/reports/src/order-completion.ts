import { renderLetterPdf } from './letter-pdf';
import { sealSnapshot, type Digested, type SealedReport } from './snapshot';
import type { ReportKey } from './signing';
import { createHash } from 'node:crypto';

/**
 * The order's URLs as the authority matches them: it issued the order and holds the URLs, and matches by hashing its
 * own copy, so this one hash stays unkeyed SHA-256 (every other report's path hash is keyed, `redactedUrl`). The record
 * is made before retention may touch the order (its content is held six months).
 */
function authorityUrl(url: string): { host: string; pathSha256: string } {
  let host = '';
  let rest = url;
  try {
    const u = new URL(url);
    host = u.host;
    rest = `${u.pathname}${u.search}`;
  } catch {
    // Not a URL: the whole text is hashed, nothing of it shown.
  }
  return { host, pathSha256: createHash('sha256').update(rest).digest('hex') };
}

/** What was done about a removal order, in the words of TCO Regulation Art. 3(6). */
export type OrderAction = 'removed' | 'disabled' | 'not_executed';

/**
 * The record a provider returns to the issuing authority once a removal order is dealt with (TCO Regulation
 * Art. 3(6)): the order, the time of removal or disabling and what was done. The URLs as host and hash, like every
 * report: the authority, which holds the order, matches them by hashing its own copy.
 */
export interface OrderCompletionRecord {
  format: 'takedown.order-completion';
  version: 1;
  snapshotId: string;
  generatedAt: string;
  provider: string;
  order: {
    id: string;
    reference: string;
    authority: string;
    memberState: string;
    issuedAt: string;
    receivedAt: string;
    contactPoint: string;
    informProvider: boolean;
    urls: { host: string; pathSha256: string }[];
  };
  notice: { id: string; deadline: string | null; outcome: string | null; closedAt: string };
  action: {
    taken: OrderAction;
    /** The time of removal or disabling; for an order not executed, when that was decided. */
    at: string;
    /** Within the hour the regulation gives. */
    withinDeadline: boolean;
    description: string;
  };
  /** Until when the content's metadata is preserved (Art. 6). */
  preservedUntil: string;
}

export interface OrderCompletionInput {
  snapshotId: string;
  generatedAt: Date;
  provider: string;
  order: Omit<OrderCompletionRecord['order'], 'urls' | 'issuedAt' | 'receivedAt'> & {
    urls: string[];
    issuedAt: Date;
    receivedAt: Date;
  };
  notice: {
    id: string;
    deadline: Date | null;
    outcome: string | null;
    closedAt: Date;
    removedAt: Date | null;
  };
  preservedUntil: Date;
}

const DESCRIPTIONS: Record<OrderAction, string> = {
  removed: 'The hosting customer removed the content; the removal was confirmed before the order was closed.',
  disabled:
    'Access to the content was disabled in all member states: the server or port that served it was suspended.',
  not_executed: 'The order was not executed',
};

/** The outcome of the order's notice as what was done about the order. */
function actionOf(outcome: string | null): OrderAction {
  if (outcome === 'removed_in_time' || outcome === 'removed_late') return 'removed';
  if (outcome === 'suspended') return 'disabled';
  return 'not_executed';
}

export function orderCompletionRecord(input: OrderCompletionInput): OrderCompletionRecord {
  const { order, notice } = input;
  const taken = actionOf(notice.outcome);
  const at = taken === 'removed' && notice.removedAt ? notice.removedAt : notice.closedAt;
  return {
    format: 'takedown.order-completion',
    version: 1,
    snapshotId: input.snapshotId,
    generatedAt: input.generatedAt.toISOString(),
    provider: input.provider,
    order: {
      id: order.id,
      reference: order.reference,
      authority: order.authority,
      memberState: order.memberState,
      issuedAt: order.issuedAt.toISOString(),
      receivedAt: order.receivedAt.toISOString(),
      contactPoint: order.contactPoint,
      informProvider: order.informProvider,
      urls: order.urls.map(authorityUrl),
    },
    notice: {
      id: notice.id,
      deadline: notice.deadline?.toISOString() ?? null,
      outcome: notice.outcome,
      closedAt: notice.closedAt.toISOString(),
    },
    action: {
      taken,
      at: at.toISOString(),
      withinDeadline: notice.deadline !== null && at.getTime() <= notice.deadline.getTime(),
      description:
        taken === 'not_executed'
          ? `${DESCRIPTIONS.not_executed} (${notice.outcome ?? 'closed'}).`
          : DESCRIPTIONS[taken],
    },
    preservedUntil: input.preservedUntil.toISOString(),
  };
}

export function renderOrderCompletionPdf(r: Digested<OrderCompletionRecord>): Promise<Buffer> {
  return renderLetterPdf({
    sender: r.provider,
    date: r.generatedAt.slice(0, 10),
    title: `Removal order ${r.order.reference}: completion record`,
    subject: `Removal order ${r.order.reference} (${r.order.memberState})`,
    paragraphs: [
      `To ${r.order.authority} (${r.order.memberState}). We received your removal order ${r.order.reference}, ` +
        `issued ${r.order.issuedAt}, at ${r.order.receivedAt}.`,
      r.action.description,
      `The content's metadata is preserved until ${r.preservedUntil} (Regulation (EU) 2021/784, Art. 6).`,
    ],
    fields: [
      { label: 'Order', value: `${r.order.reference} (${r.order.id})` },
      { label: 'Action', value: r.action.taken },
      { label: 'At', value: r.action.at },
      { label: 'Within the hour', value: r.action.withinDeadline ? 'yes' : 'no' },
      { label: 'Deadline', value: r.notice.deadline ?? '-' },
      {
        label: 'Content',
        value: r.order.urls.map((u) => `${u.host} sha256:${u.pathSha256}`).join('\n'),
      },
      { label: 'Record', value: r.snapshotId },
    ],
    closing: [
      'SHA-256 digest over the canonical JSON of this record:',
      // On a line of its own, so that it is printed (and read back) whole.
      r.digest.value,
      'This record is signed (Ed25519); verify it with: npm run takedown -- verify-report FILE --keys JWKS.',
    ],
  });
}

export const sealOrderCompletion = (record: OrderCompletionRecord, key: ReportKey): Promise<SealedReport> =>
  sealSnapshot(
    record,
    { kind: 'order_completion', subjectId: record.order.id, render: renderOrderCompletionPdf },
    key,
  );
