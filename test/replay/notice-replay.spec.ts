import * as fs from 'node:fs';
import * as path from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { workflowSource } from '@takedown/worker/workflow-bundle';
import { localActivitiesIn, scheduledActivitiesIn } from '../support/history-events';

type History = temporal.api.history.v1.IHistory;

/**
 * Histories recorded from real runs (binary protobuf, written once by `RECORD_HISTORIES=1 npx jest
 * test/workflows/notice-branches test/workflows/notice-last-call --selectProjects integration`; an existing file is
 * never overwritten) must replay against the current workflow code: a change that would break running notices
 * fails here, and has to go behind `patched()` (docs/versioning.md).
 */
describe('replay of saved notice histories', () => {
  const dir = path.join(__dirname, 'histories');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.binpb'));
  const histories = files.map((file) => ({
    workflowId: path.basename(file, '.binpb'),
    history: temporal.api.history.v1.History.decode(fs.readFileSync(path.join(dir, file))),
  }));
  const named = (id: string) => {
    const found = histories.find((h) => h.workflowId === id);
    if (!found) throw new Error(`no saved history ${id}`);
    return found.history;
  };

  /** The patches a run went through: Temporal records one `core_patch` marker per patch id. */
  const patchesIn = (history: History): string[] =>
    (history.events ?? []).flatMap((e) => {
      const payload = e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data;
      return payload ? [(JSON.parse(Buffer.from(payload).toString()) as { id: string }).id] : [];
    });
  /** The JSON results of the run's activities (such as the policy that attributeNotice pinned). */
  const activityResults = (history: History): unknown[] =>
    (history.events ?? []).flatMap((e) =>
      (e.activityTaskCompletedEventAttributes?.result?.payloads ?? [])
        .filter((p) => p.data?.length) // a void activity's result is an empty `binary/null` payload
        .map((p) => JSON.parse(Buffer.from(p.data as Uint8Array).toString()) as unknown),
    );

  it('has saved histories to replay', () => {
    expect(files.length).toBeGreaterThanOrEqual(2);
  });

  it('replays every saved history without a non-determinism error', async () => {
    const results = [];
    for await (const result of Worker.runReplayHistories(workflowSource(), histories)) results.push(result);
    expect(results.map((r) => [r.workflowId, r.error?.message ?? null])).toEqual(
      histories.map((h) => [h.workflowId, null]),
    );
  });

  describe('the last call (patch last-call-reminder)', () => {
    const before = histories.filter((h) => /^notice-v[123]-/.test(h.workflowId));
    const after = histories.filter((h) => /^notice-v4-/.test(h.workflowId));

    it('replays histories recorded before the change, which never went through the patch', () => {
      expect(before.length).toBeGreaterThanOrEqual(6);
      for (const h of before) expect(patchesIn(h.history)).not.toContain('last-call-reminder');
    });

    it('covers a notice that ran without a last call although its pinned policy named one', () => {
      // Policy data can reach the database before the code that acts on it. This run's policy said `lastCall`, the
      // code of the day ignored it, and the notice escalated at 24 h with two reminders: without `patched`, the
      // current code would schedule the last call at 22 h in its place and fail the replay above.
      const history = named('notice-v3-last-call-in-policy');
      expect(activityResults(history)).toContainEqual(
        expect.objectContaining({
          policy: expect.objectContaining({ timers: expect.objectContaining({ lastCall: 'PT2H' }) }),
        }),
      );
      expect(patchesIn(history)).not.toContain('last-call-reminder');
    });

    it('replays histories recorded after the change, which went through the patch', () => {
      expect(after.map((h) => h.workflowId).sort()).toEqual([
        'notice-v4-last-call',
        'notice-v4-reopened-last-call',
      ]);
      for (const h of after) expect(patchesIn(h.history)).toContain('last-call-reminder');
    });
  });

  /** The activities a run had the server schedule, in order (local activities are markers, not among them). */
  const activitiesOf = (history: History): string[] => scheduledActivitiesIn(history.events ?? []);

  describe('a new notice in fewer steps (patch intake-in-fewer-steps)', () => {
    const activities = activitiesOf;
    const notices = histories.filter((h) => /^notice-v\d-/.test(h.workflowId));

    it('replays histories from before it, whose notices took five activities to their first wait', () => {
      const before = notices.filter((h) => !/^notice-v[5-9]-/.test(h.workflowId));
      expect(before.length).toBeGreaterThanOrEqual(8);
      for (const h of before) expect(patchesIn(h.history)).not.toContain('intake-in-fewer-steps');
      expect(activities(named('notice-v1-removed-in-time')).slice(0, 5)).toEqual([
        'recordEvent',
        'attributeNotice',
        'recordEvent',
        'notifyCustomer',
        'recordEvent',
      ]);
    });

    it('replays histories recorded since, in two activities for an attributed notice', () => {
      expect(
        notices
          .filter((h) => /^notice-v5-/.test(h.workflowId))
          .map((h) => h.workflowId)
          .sort(),
      ).toEqual(['notice-v5-attributed-by-hand', 'notice-v5-removed-in-time']);
      for (const id of ['notice-v5-attributed-by-hand', 'notice-v5-removed-in-time'])
        expect(patchesIn(named(id))).toContain('intake-in-fewer-steps');
      const attributed = activities(named('notice-v5-removed-in-time'));
      expect(attributed.slice(0, 2)).toEqual(['receiveNotice', 'notifyCustomer']);
      expect(attributed).not.toContain('attributeNotice');
      // Unattributed: one activity, then the desk's task as before.
      expect(activities(named('notice-v5-attributed-by-hand')).slice(0, 2)).toEqual([
        'receiveNotice',
        'openTask',
      ]);
    });
  });

  describe('a new notice’s receipt and email inside its first workflow task (patch intake-local)', () => {
    const notices = histories.filter((h) => /^notice-v\d-/.test(h.workflowId));

    it('replays histories from before it, whose receipt and email were activity tasks', () => {
      const before = notices.filter((h) => !/^notice-v9-/.test(h.workflowId));
      expect(before.length).toBeGreaterThanOrEqual(21);
      for (const h of before) {
        expect(patchesIn(h.history)).not.toContain('intake-local');
        expect(localActivitiesIn(h.history.events ?? [])).toEqual([]);
      }
      expect(activitiesOf(named('notice-v5-removed-in-time')).slice(0, 2)).toEqual([
        'receiveNotice',
        'notifyCustomer',
      ]);
    });

    it('replays histories recorded since, whose receipt and email are local activities', () => {
      expect(
        notices
          .filter((h) => /^notice-v9-/.test(h.workflowId))
          .map((h) => h.workflowId)
          .sort(),
      ).toEqual(['notice-v9-attributed-by-hand', 'notice-v9-removed-in-time']);
      const local = (id: string) => localActivitiesIn(named(id).events ?? []).map((a) => a.type);
      expect(patchesIn(named('notice-v9-removed-in-time'))).toContain('intake-local');
      expect(local('notice-v9-removed-in-time')).toEqual(['receiveNotice', 'notifyCustomer']);
      expect(activitiesOf(named('notice-v9-removed-in-time'))).not.toContain('receiveNotice');
      // Unattributed: the receipt alone, then the desk's task as an activity; the email after attribution by hand
      // is an activity too (patch intake-local covers a new notice's first steps only).
      expect(patchesIn(named('notice-v9-attributed-by-hand'))).toContain('intake-local');
      expect(local('notice-v9-attributed-by-hand')).toEqual(['receiveNotice']);
      expect(activitiesOf(named('notice-v9-attributed-by-hand')).slice(0, 1)).toEqual(['openTask']);
      expect(activitiesOf(named('notice-v9-attributed-by-hand'))).toContain('notifyCustomer');
    });
  });

  describe('the notice core of December 2026 (patches claim-is-not-removal, every-outcome-leads-on, feedback-on-its-own, urgent-at-receipt)', () => {
    const CORE = [
      'claim-is-not-removal',
      'every-outcome-leads-on',
      'feedback-on-its-own',
      'urgent-at-receipt',
    ];
    const notices = histories.filter((h) => /^notice-v\d-/.test(h.workflowId));
    const before = notices.filter((h) => !/^notice-v[6-9]-/.test(h.workflowId));

    it('replays histories from before it, which never went through its patches', () => {
      expect(before.length).toBeGreaterThanOrEqual(11);
      for (const h of before) for (const id of CORE) expect(patchesIn(h.history)).not.toContain(id);
    });

    it('replays histories recorded since, each through every one of its patches', () => {
      expect(
        notices
          .filter((h) => /^notice-v6-/.test(h.workflowId))
          .map((h) => h.workflowId)
          .sort(),
      ).toEqual([
        'notice-v6-claim-escalated',
        'notice-v6-feedback-failing',
        'notice-v6-follow-up',
        'notice-v6-probe-in-policy',
        'notice-v6-removal-order',
      ]);
      for (const id of [
        'notice-v6-claim-escalated',
        'notice-v6-feedback-failing',
        'notice-v6-follow-up',
        'notice-v6-probe-in-policy',
        'notice-v6-removal-order',
      ])
        expect(patchesIn(named(id))).toEqual(expect.arrayContaining(CORE));
    });

    it('covers each new path: escalation over an unconfirmed claim, the follow-up, feedback as a child, the NOC at receipt', () => {
      const scheduled = (id: string) => activitiesOf(named(id));
      expect(scheduled('notice-v6-removal-order').slice(0, 3)).toEqual([
        'receiveNotice',
        'notifyCustomer',
        'openTask',
      ]);
      const children = (id: string) =>
        (named(id).events ?? []).flatMap((e) => {
          const type = e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowType?.name;
          return type ? [type] : [];
        });
      expect(children('notice-v6-feedback-failing')).toEqual(['sourceFeedbackWorkflow']);
      expect(scheduled('notice-v6-feedback-failing')).not.toContain('sendSourceFeedback');
      expect(scheduled('notice-v6-follow-up').filter((a) => a === 'openTask')).toHaveLength(2);
      expect(scheduled('notice-v6-claim-escalated')).toContain('openTask');
    });
  });

  describe('a removal order’s NOC stands by until the statement of reasons is out (patch order-suspension-statement)', () => {
    it('replays the removal order recorded before it, whose NOC was asked to suspend at receipt', () => {
      expect(patchesIn(named('notice-v6-removal-order'))).not.toContain('order-suspension-statement');
    });

    it('replays one recorded since: suspended on the stand-by, the statement sent before the close', () => {
      const history = named('notice-v7-order-stand-by-suspended');
      expect(patchesIn(history)).toContain('order-suspension-statement');
      const activities = (history.events ?? []).flatMap((e) => {
        const type = e.activityTaskScheduledEventAttributes?.activityType?.name;
        return type ? [type] : [];
      });
      expect(activities).toContain('sendSuspensionStatement');
    });
  });

  describe('a false claim after the suspension request leaves the notice with the NOC (patch still-online-keeps-suspension)', () => {
    /** The states the run's recordEvent activities put the notice in, in order. */
    const states = (id: string) =>
      (named(id).events ?? []).flatMap((e) => {
        const attrs = e.activityTaskScheduledEventAttributes;
        if (attrs?.activityType?.name !== 'recordEvent') return [];
        const input = JSON.parse(Buffer.from(attrs.input!.payloads![0].data!).toString()) as {
          type: string;
          state?: string;
        };
        return input.type === 'still_online' ? [input.state] : [];
      });

    it('replays the run recorded before it, whose rejected claim went back to escalated', () => {
      expect(patchesIn(named('notice-v7-false-claim-after-suspension'))).not.toContain(
        'still-online-keeps-suspension',
      );
      expect(states('notice-v7-false-claim-after-suspension')).toEqual(['escalated']);
    });

    it('replays one recorded since, whose rejected claim stays at the suspension request', () => {
      expect(patchesIn(named('notice-v8-false-claim-after-suspension'))).toContain(
        'still-online-keeps-suspension',
      );
      expect(states('notice-v8-false-claim-after-suspension')).toEqual(['suspension_requested']);
    });
  });

  describe('verified removal by probe (patch removal-probe)', () => {
    const notices = histories.filter((h) => /^notice-v\d-/.test(h.workflowId));

    it('replays histories from before it, which never went through the patch or probed', () => {
      const before = notices.filter((h) => /^notice-v[1-6]-/.test(h.workflowId));
      expect(before.length).toBeGreaterThanOrEqual(16);
      for (const h of before) {
        expect(patchesIn(h.history)).not.toContain('removal-probe');
        expect(activitiesOf(h.history)).not.toContain('probeRemoval');
      }
    });

    it('covers a claim the desk confirmed by hand although its pinned policy allowed a probe', () => {
      // Policy data can reach the database before the code that acts on it: without `patched`, the current code
      // would probe this claim at once, in place of waiting for the desk, and fail the replay above.
      const history = named('notice-v6-probe-in-policy');
      expect(activityResults(history)).toContainEqual(
        expect.objectContaining({
          policy: expect.objectContaining({ timers: expect.objectContaining({ probeRemoval: true }) }),
        }),
      );
      expect(activitiesOf(history)).not.toContain('probeRemoval');
    });

    it('replays histories recorded since, which probed the claim', () => {
      expect(
        notices
          .filter((h) => /^notice-v7-probe-/.test(h.workflowId))
          .map((h) => h.workflowId)
          .sort(),
      ).toEqual(['notice-v7-probe-gone', 'notice-v7-probe-present']);
      for (const id of ['notice-v7-probe-gone', 'notice-v7-probe-present'])
        expect(patchesIn(named(id))).toContain('removal-probe');
      const probes = (id: string) => activitiesOf(named(id)).filter((a) => a === 'probeRemoval');
      expect(probes('notice-v7-probe-gone')).toHaveLength(3);
      expect(probes('notice-v7-probe-present')).toHaveLength(1);
    });
  });

  describe('resellers informed or acting first (patch reseller-modes)', () => {
    const notices = histories.filter((h) => /^notice-v\d-/.test(h.workflowId));
    /** The kinds of email the run asked for, and to whom: `reseller:first`, `reseller:copy` or `customer`. */
    const emailsOf = (history: History): string[] =>
      (history.events ?? []).flatMap((e) => {
        const a = e.activityTaskScheduledEventAttributes;
        if (a?.activityType?.name !== 'notifyCustomer') return [];
        const input = JSON.parse(Buffer.from(a.input?.payloads?.[0]?.data as Uint8Array).toString()) as {
          kind: string;
          reseller?: { role: string };
        };
        return [`${input.kind}:${input.reseller ? `reseller:${input.reseller.role}` : 'customer'}`];
      });

    it('replays histories from before it, which never went through the patch', () => {
      expect(notices.length).toBeGreaterThanOrEqual(18);
      for (const h of notices) expect(patchesIn(h.history)).not.toContain('reseller-modes');
    });

    it('covers notices whose attribution named a reseller before the code acted on it: the customer alone was notified', () => {
      // Without `patched`, the current code would send the act_first notice to the reseller in place of the
      // customer (another activity input, then a timer the history lacks) and fail the replay above.
      for (const id of ['notice-r0-act-first-before', 'notice-r0-informed-before']) {
        const history = named(id);
        expect(activityResults(history)).toContainEqual(
          expect.objectContaining({ reseller: expect.objectContaining({ id: expect.any(String) }) }),
        );
        expect(patchesIn(history)).not.toContain('reseller-modes');
        expect(emailsOf(history).every((e) => e.endsWith(':customer'))).toBe(true);
      }
    });

    it('replays histories recorded since: the reseller first, then the end customer; a copy of every email', () => {
      expect(patchesIn(named('notice-r1-act-first-missed'))).toContain('reseller-modes');
      expect(emailsOf(named('notice-r1-act-first-missed'))).toEqual([
        'notice:reseller:first',
        'notice:customer',
        'reminder:customer',
      ]);
      expect(patchesIn(named('notice-r1-informed'))).toContain('reseller-modes');
      expect(emailsOf(named('notice-r1-informed'))).toEqual([
        'notice:reseller:copy',
        'reminder:reseller:copy',
        'reminder:reseller:copy',
        'last_call:reseller:copy',
      ]);
    });
  });

  describe('the standing reads the verified measures from the customer record (patch measures-from-record)', () => {
    it('replays standings recorded before the change, which never went through the patch', () => {
      const before = histories.filter((h) => /^standing-v1-/.test(h.workflowId));
      expect(before.length).toBeGreaterThanOrEqual(2);
      for (const h of before) expect(patchesIn(h.history)).not.toContain('measures-from-record');
    });

    it('reads the record for every evaluation after it', () => {
      const after = named('standing-v2-measures-from-record');
      expect(patchesIn(after)).toContain('measures-from-record');
      // Once at the start, then once for each of the three events.
      expect(activitiesOf(after).filter((a) => a === 'loadStanding')).toHaveLength(4);
    });
  });

  describe('the standing names the notice of each count, so that an appeal can take it out (patch appeal-reversals)', () => {
    it('replays standings recorded before the change, which never went through the patch', () => {
      const before = histories.filter((h) => /^standing-v[12]-/.test(h.workflowId));
      expect(before.length).toBeGreaterThanOrEqual(3);
      for (const h of before) expect(patchesIn(h.history)).not.toContain('appeal-reversals');
    });

    it('covers a reversed strike: two strikes counted, one taken out by its appeal', () => {
      const after = named('standing-v3-appeal-reversed');
      expect(patchesIn(after)).toContain('appeal-reversals');
      expect(activitiesOf(after).filter((a) => a === 'sendStandingLetter')).toHaveLength(3);
    });
  });
});
