import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { Principal } from '@takedown/domain';
import { AppConfig } from '@takedown/api/app-config';
import type { CreateNoticeDto } from '@takedown/api/notices/notice.dto';
import { NoticesService } from '@takedown/api/notices/notices.service';
import type { PeopleService } from '@takedown/api/people/people.service';
import { MemoryAudit, MemoryNotices, RecordingTemporal, uniqueViolation } from './fakes/memory-repositories';
import { BreachForecasts } from '@takedown/api/notices/breach-forecasts';

/** No removal history: every notice without a forecast (the forecast's own reads are tested on PostgreSQL). */
const noForecasts = {
  of: <T>(notices: T[]) => Promise.resolve(notices.map((n) => ({ ...n, forecast: null }))),
} as unknown as BreachForecasts;

const desk: Principal = {
  actor: { kind: 'token', id: 'desk-1', name: 'Desk' },
  roles: ['abuse_desk'],
  scope: {},
};

/** People the desk may assign to: one is known. */
const people = {
  find: async (subject: string) => {
    if (subject !== 'oidc:anna') throw new Error(`unknown person ${subject}`);
    return { subject, name: 'Anna' };
  },
} as unknown as PeopleService;

const report = (over: Partial<CreateNoticeDto> = {}): CreateNoticeDto =>
  ({
    source: { kind: 'hotline', name: 'Example Hotline' },
    sourceReference: `ref-${randomUUID()}`,
    category: 'phishing',
    urls: [`https://login.tenant.example/${randomUUID()}`],
    ...over,
  }) as CreateNoticeDto;

/** The decisions NoticesService makes, against its repository in memory: no database, no Temporal server. */
describe('NoticesService with an in-memory repository', () => {
  let notices: MemoryNotices;
  let audit: MemoryAudit;
  let temporal: RecordingTemporal;
  let service: NoticesService;

  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(() => {
    notices = new MemoryNotices();
    audit = new MemoryAudit();
    temporal = new RecordingTemporal();
    const config = new AppConfig({ TEMPORAL_TASK_QUEUE: 'notices' } as AppConfig['env']);
    service = new NoticesService(notices, audit, temporal.asClient(), config, people, noForecasts);
  });

  describe('intake', () => {
    it('stores a new notice with its report, starts its workflow and audits it: 201', async () => {
      const dto = report();
      const { notice, created } = await service.submit(dto);
      expect(created).toBe(true);
      expect(notices.notices.get(notice.id)).toMatchObject({ urls: dto.urls, state: 'received' });
      expect(notices.reportRows).toEqual([
        expect.objectContaining({
          noticeId: notice.id,
          sourceReference: dto.sourceReference,
          urlPositions: [1],
        }),
      ]);
      expect(temporal.started.map((s) => s.workflowId)).toEqual([`notice-${notice.id}`]);
      expect(audit.rows.map((r) => r.action)).toEqual(['notice.submit']);
    });

    it('answers the same source reference sent again with its notice, storing and starting nothing', async () => {
      const first = notices.store({ id: randomUUID(), urls: ['https://a.example/1'] });
      const { notice, created } = await service.submit(
        report({ sourceReference: first.sourceReference, urls: ['https://other.example/2'] }),
      );
      expect({ id: notice.id, created }).toEqual({ id: first.id, created: false });
      expect(notices.reportRows).toHaveLength(1);
      expect(temporal.started).toEqual([]);
      expect(audit.rows).toEqual([]);
    });

    it('answers the winner’s notice when a concurrent intake of the same reference committed first (23505)', async () => {
      const winner = notices.store({ id: randomUUID(), urls: ['https://a.example/won'] });
      const dto = report({ sourceReference: `raced-${randomUUID()}` });
      // The winner's report committed after this intake looked: only the unique key sees it.
      notices.committedElsewhere.push(
        notices.report({
          noticeId: winner.id,
          sourceKind: 'hotline',
          sourceName: 'Example Hotline',
          sourceReference: dto.sourceReference,
        }),
      );
      const { notice, created } = await service.submit(dto);
      expect({ id: notice.id, created }).toEqual({ id: winner.id, created: false });
      // The loser's notice row went with its transaction; its workflow was never started.
      expect([...notices.notices.keys()]).toEqual([winner.id]);
      expect(temporal.started).toEqual([]);
      expect(audit.rows).toEqual([]);
    });

    it('passes on a unique violation that no winning report explains', async () => {
      const insert = notices.insertReport.bind(notices);
      notices.insertReport = async (tx, row) => {
        await insert(tx, row);
        throw uniqueViolation();
      };
      await expect(service.submit(report())).rejects.toThrow('duplicate key');
      expect(notices.notices.size).toBe(0);
    });

    it('joins a report of a URL that an open notice covers, keeping which of its URLs the report named', async () => {
      const open = notices.store({ id: randomUUID(), urls: ['https://a.example/1', 'https://a.example/2'] });
      const dto = report({ source: { kind: 'police', name: 'Politie' }, urls: ['https://a.example/2'] });
      const { notice, created } = await service.submit(dto);
      expect({ id: notice.id, created }).toEqual({ id: open.id, created: false });
      expect(notices.reportRows[1]).toMatchObject({
        noticeId: open.id,
        sourceName: 'Politie',
        urlPositions: [2],
      });
      expect(temporal.signals).toEqual([
        expect.objectContaining({
          workflowId: `notice-${open.id}`,
          arg: expect.objectContaining({ by: 'source:Politie' }),
        }),
      ]);
      expect(audit.rows.map((r) => r.action)).toEqual(['notice.report_joined']);
    });

    it('does not join a closed notice: the report opens a new one', async () => {
      const closed = notices.store({ id: randomUUID(), urls: ['https://a.example/1'], state: 'closed' });
      const { notice, created } = await service.submit(report({ urls: ['https://a.example/1'] }));
      expect(created).toBe(true);
      expect(notice.id).not.toBe(closed.id);
    });
  });

  describe('what a source is answered', () => {
    const sourceB: Principal = {
      actor: { kind: 'token', id: 'flagger-b', name: 'Flagger B' },
      roles: ['source'],
      scope: { source: { kind: 'trusted_flagger', name: 'Flagger B' } },
    };

    it('answers a source’s join of another’s notice as a create (201), with its own report and URL only', async () => {
      const open = notices.store({
        id: randomUUID(),
        urls: ['https://a.example/1', 'https://a.example/2'],
        sourceReference: 'a-secret-ref',
      });
      const dto = report({
        source: { kind: 'trusted_flagger', name: 'Flagger B' },
        urls: ['https://a.example/2'],
      });
      const answer = await service.intakeAnswer(await service.submit(dto), sourceB);
      expect(answer.status).toBe(201);
      expect(answer.body).toEqual({
        id: open.id,
        source: { kind: 'trusted_flagger', name: 'Flagger B' },
        sourceReference: dto.sourceReference,
        category: 'phishing',
        urls: ['https://a.example/2'],
        state: 'customer_notified',
        outcome: null,
        receivedAt: expect.any(String),
        closedAt: null,
        reports: [expect.objectContaining({ name: 'Flagger B', sourceReference: dto.sourceReference })],
      });
    });

    it('answers the desk’s join 200 with the whole notice, and a source’s repeated report 200', async () => {
      notices.store({ id: randomUUID(), urls: ['https://a.example/1'] });
      const joined = await service.submit(report({ urls: ['https://a.example/1'] }));
      expect((await service.intakeAnswer(joined, desk)).status).toBe(200);
      const dto = report({ source: { kind: 'trusted_flagger', name: 'Flagger B' } });
      expect((await service.intakeAnswer(await service.submit(dto), sourceB)).status).toBe(201);
      expect((await service.intakeAnswer(await service.submit(dto), sourceB)).status).toBe(200);
    });
  });

  describe('triage', () => {
    it('refuses a notice that does not await triage (409), changing nothing', async () => {
      const n = notices.store({
        id: randomUUID(),
        urls: ['https://a.example/1'],
        state: 'customer_notified',
      });
      await expect(service.triage(n.id, { by: 'token:desk-1', reason: 'spam' })).rejects.toMatchObject({
        code: 'NOTICE.CONFLICT',
      });
      expect(notices.notices.get(n.id)?.state).toBe('customer_notified');
      expect(notices.eventRows).toEqual([]);
      expect(audit.rows).toEqual([]);
    });

    it('answers 404 for a notice that does not exist', async () => {
      await expect(service.triage(randomUUID(), { by: 'token:desk-1', reason: 'x' })).rejects.toMatchObject({
        code: 'NOTICE.NOT_FOUND',
      });
    });

    it('closes a triage notice as invalid with a reason, on its timeline and in the audit trail', async () => {
      const n = notices.store({ id: randomUUID(), urls: [], state: 'needs_triage' });
      const view = await service.triage(n.id, { by: 'token:desk-1', reason: 'not abuse' });
      expect(view).toMatchObject({ state: 'closed', outcome: 'invalid' });
      expect(notices.eventRows).toEqual([
        expect.objectContaining({ type: 'closed', reason: 'not abuse', idempotencyKey: `triaged:${n.id}` }),
      ]);
      expect(temporal.started).toEqual([]);
      expect(audit.rows.map((r) => r.action)).toEqual(['notice.triage']);
    });
  });

  describe('actions and assignment', () => {
    it('refuses an action on a notice that awaits triage (409 with its state), before asking the workflow', async () => {
      const n = notices.store({ id: randomUUID(), urls: [], state: 'needs_triage' });
      await expect(service.act(n.id, 'escalate-now', {}, desk)).rejects.toMatchObject({
        code: 'NOTICE.AWAITS_TRIAGE',
        state: 'needs_triage',
      });
      expect(audit.rows).toEqual([]);
    });

    it('refuses to attribute a notice to a customer that does not exist, naming the field', async () => {
      const n = notices.store({ id: randomUUID(), urls: ['https://a.example/1'] });
      await expect(service.act(n.id, 'attribute', { customerId: randomUUID() }, desk)).rejects.toMatchObject({
        code: 'CUSTOMER.UNKNOWN',
        field: 'customerId',
      });
      expect(audit.rows).toEqual([]);
    });

    it('assigns a notice with a timeline step and an audit row; the same assignee again changes nothing', async () => {
      const n = notices.store({ id: randomUUID(), urls: ['https://a.example/1'] });
      const view = await service.assign(n.id, 'oidc:anna', desk);
      expect(view).toMatchObject({ assignedTo: 'oidc:anna', assignedToName: 'Anna' });
      expect(notices.eventRows).toEqual([
        expect.objectContaining({
          type: 'assigned',
          actor: 'token:desk-1',
          data: expect.objectContaining({ previous: null }),
        }),
      ]);
      await service.assign(n.id, 'oidc:anna', desk);
      expect(notices.eventRows).toHaveLength(1);
      expect(audit.rows.map((r) => r.action)).toEqual(['notice.assign']);
    });

    it('answers 404 to assigning a notice the caller may not see, and changes nothing', async () => {
      const n = notices.store({ id: randomUUID(), urls: ['https://a.example/1'] });
      const manager: Principal = {
        actor: { kind: 'token', id: 'am-1', name: 'AM' },
        roles: ['account_manager'],
        scope: { accountManagerEmail: 'am@provider.example' },
      };
      await expect(service.assign(n.id, null, manager)).rejects.toMatchObject({ code: 'NOTICE.NOT_FOUND' });
      expect(notices.eventRows).toEqual([]);
    });
  });
});
