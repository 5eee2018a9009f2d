import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { AppConfig } from '@takedown/api/app-config';
import { BulkIntakeService, type BulkItem } from '@takedown/api/notices/bulk-intake.service';
import type { CreateNoticeDto } from '@takedown/api/notices/notice.dto';
import { NoticesService } from '@takedown/api/notices/notices.service';
import type { PeopleService } from '@takedown/api/people/people.service';
import { MemoryAudit, MemoryNotices, RecordingTemporal } from './fakes/memory-repositories';
import { BreachForecasts } from '@takedown/api/notices/breach-forecasts';

/** No removal history: every notice without a forecast (the forecast's own reads are tested on PostgreSQL). */
const noForecasts = {
  of: <T>(notices: T[]) => Promise.resolve(notices.map((n) => ({ ...n, forecast: null }))),
} as unknown as BreachForecasts;

const item = (over: Partial<CreateNoticeDto> = {}): BulkItem => ({
  dto: {
    source: { kind: 'public', name: 'Scanner' },
    sourceReference: `ref-${randomUUID()}`,
    category: 'phishing',
    urls: [`https://login.tenant.example/${randomUUID()}`],
    ...over,
  } as CreateNoticeDto,
  extras: { channel: 'api' },
});

/** The batch intake's decisions, against the notices' repository and the audit trail in memory. */
describe('BulkIntakeService with an in-memory repository', () => {
  let notices: MemoryNotices;
  let audit: MemoryAudit;
  let temporal: RecordingTemporal;
  let bulk: BulkIntakeService;

  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(() => {
    notices = new MemoryNotices();
    audit = new MemoryAudit();
    temporal = new RecordingTemporal();
    const config = new AppConfig({ TEMPORAL_TASK_QUEUE: 'notices' } as AppConfig['env']);
    const single = new NoticesService(
      notices,
      audit,
      temporal.asClient(),
      config,
      {} as PeopleService,
      noForecasts,
    );
    bulk = new BulkIntakeService(notices, audit, single);
  });

  it('stores the fresh items at once, joins a report of an open notice’s URL, and knows a reference it has', async () => {
    const open = notices.store({ id: randomUUID(), urls: ['https://shop.tenant.example/login'] });
    const known = notices.store({ id: randomUUID(), urls: ['https://other.tenant.example/x'] });
    const [a, b, joining, again] = [
      item(),
      item(),
      item({ urls: ['https://shop.tenant.example/login'] }),
      item({
        source: { kind: known.sourceKind, name: known.sourceName },
        sourceReference: known.sourceReference,
      } as Partial<CreateNoticeDto>),
    ];
    const outcomes = await bulk.submit([a, b, joining, again]);

    // A new report joining an open notice is answered as a new one is; only the known reference is `existing`.
    expect(outcomes.map((o) => o.status)).toEqual(['created', 'created', 'created', 'existing']);
    expect(outcomes[2]).toEqual({ status: 'created', id: open.id });
    expect(outcomes[3]).toEqual({ status: 'existing', id: known.id });
    const created = outcomes.slice(0, 2).map((o) => (o as { id: string }).id);
    for (const [k, id] of created.entries()) {
      expect(notices.notices.get(id)).toMatchObject({ state: 'received', urls: [a, b][k].dto.urls });
    }
    expect(temporal.started.map((s) => s.workflowId).sort()).toEqual(
      created.map((id) => `notice-${id}`).sort(),
    );
    expect(audit.rows.filter((r) => r.action === 'notice.submit').map((r) => r.target?.id)).toEqual(
      expect.arrayContaining(created),
    );
    // The joining report is on the open notice, not a notice of its own.
    expect(notices.reportRows.filter((r) => r.noticeId === open.id)).toHaveLength(2);
  });

  it('takes the notices back out, and says why, when Temporal refuses their workflows', async () => {
    temporal.workflow.start = async () => {
      throw new Error('Temporal is unavailable');
    };
    const outcomes = await bulk.submit([item(), item()]);
    expect(outcomes.map((o) => o.status)).toEqual(['failed', 'failed']);
    expect(notices.notices.size).toBe(0);
    expect(notices.reportRows).toEqual([]);
    const undone = audit.rows.filter((r) => r.action === 'notice.submit_undone');
    expect(undone).toHaveLength(2);
    expect(undone[0].summary).toEqual({ reason: expect.stringContaining('Temporal is unavailable') });
  });
});
