import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { DataSource } from 'typeorm';
import { DEMO_POLICY } from '@takedown/domain';
import { CapturedMailbox, type CapturedMail } from '@takedown/mail';
import { PolicyEntity } from '@takedown/persistence';
import type { Http } from '../support/api';
import { CHROMIUM_ARGS, ensureChromium } from '../support/chromium';
import { watchPages } from '../support/console-browser';
import { storeCustomer, type StoredCustomer } from '../support/customers';
import { eventually } from '../support/eventually';
import { headStart } from '../support/head-start';
import { startListeningSystem, type ListeningSystem } from '../support/listening-system';

interface NoticeBody {
  id: string;
  workflowId: string;
  state: string;
  outcome: string | null;
  pendingTasks: { id: string; kind: string; assignee: string }[];
  timeline: { type: string; actor: string; data: Record<string, unknown> }[];
}

const sample = (ip: string) => {
  const reference = `links-${randomUUID()}`;
  return {
    source: { kind: 'hotline', name: 'Example Hotline', contact: 'reports@hotline.example' },
    sourceReference: reference,
    category: 'csam',
    urls: [`https://files.tenant-a.example/gallery/${reference}`],
    ip,
    observedAt: '2026-11-20T08:14:00Z',
    hashes: { sha256: '4f6d0b1c9a7e2d35b8c0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6' },
  };
};

/**
 * The links in the emails, followed as people follow them: in a real headless Chromium, against the API listening on
 * loopback, on the real stack (PostgreSQL, Temporal dev server, a worker, SMTP capture). Before anyone clicks, every
 * link is fetched bare, as mail scanners do, and must change nothing.
 */
describe('email links in a browser, end to end', () => {
  let system: ListeningSystem;
  let http: Http;
  let db: DataSource;
  let temporal: Client;
  let mailbox: CapturedMailbox;
  let browser: Browser;
  let context: BrowserContext;
  // The notice nobody answers: submitted at the start, so that its deadline (6 s) passes while the first test runs.
  let unanswered: () => Promise<StoredCustomer & { created: NoticeBody }>;

  beforeAll(async () => {
    const started = Date.now();
    const [running, executablePath] = await Promise.all([
      startListeningSystem(),
      ensureChromium((line) => process.stderr.write(`[chromium] ${line}\n`)),
    ]);
    system = running;
    http = system.http;
    db = system.app.get(DataSource);
    temporal = system.app.get(Client);
    mailbox = new CapturedMailbox(system.env.MAIL_CAPTURE_DIR as string);
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
    process.stderr.write(`[email-links] system and browser up in ${Date.now() - started} ms\n`);
    unanswered = headStart(async () => {
      const stored = await customerWithDeadline('PT6S');
      return { ...stored, created: await submit(stored.ip) };
    });
  }, 900_000);

  beforeEach(async () => {
    context = await browser.newContext();
    watchPages(context);
  });

  afterEach(() => context?.close());

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  });

  /** A customer whose contract pins a CSAM policy of its own: no reminders and the given deadline. */
  const customerWithDeadline = async (deadline: string) => {
    const profile = `links-${randomBytes(4).toString('hex')}`;
    await db.getRepository(PolicyEntity).insert({
      id: profile,
      version: 1,
      categories: { ...DEMO_POLICY.categories, csam: { reminders: [], deadline } },
      effectiveFrom: new Date(),
    });
    return storeCustomer(db, { policyProfile: profile });
  };

  const submit = async (ip: string): Promise<NoticeBody> =>
    (await http.post('/v1/notices').send(sample(ip)).expect(201)).body;

  const notice = async (id: string): Promise<NoticeBody> =>
    (await http.get(`/v1/notices/${id}`).expect(200)).body;

  const mail = async (to: string, keyPrefix: string): Promise<CapturedMail> => {
    const [found] = await eventually(
      async () => (await mailbox.withKeyPrefix(keyPrefix)).filter((m) => m.to.includes(to)),
      (m) => m.length > 0,
      60_000,
    );
    return found;
  };

  /** The actions of an email's text body (`- label:` then the address on the next line), by label. */
  const linksIn = (text: string): Map<string, string> => {
    const links = new Map<string, string>();
    for (const [, label, url] of text.matchAll(/^- (.+):\n\s+(\S+\/links\/\S+)$/gm)) links.set(label, url);
    expect([...links.values()].every((url) => url.startsWith(`${system.baseUrl}/links/`))).toBe(true);
    return links;
  };

  const linkUses = async (target: string) =>
    (await db.query(`SELECT action, host(remote_addr) AS remote FROM link_uses WHERE target = $1`, [
      target,
    ])) as { action: string; remote: string | null }[];

  const signalsTo = async (workflowId: string) =>
    ((await temporal.workflow.getHandle(workflowId).fetchHistory()).events ?? []).filter(
      (e) => e.workflowExecutionSignaledEventAttributes,
    ).length;

  /** Fetches every link the way a mail scanner does: a bare GET that shows the confirm form and nothing more. */
  const fetchBare = async (links: Map<string, string>) => {
    for (const url of links.values()) {
      const res = await fetch(url, { redirect: 'manual' });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('<form method="post">');
    }
  };

  /** Opens a link in the browser, clicks its confirm button, and returns the page that answers the POST. */
  const confirmInBrowser = async (url: string, button: string, heading: string) => {
    const page = await context.newPage();
    try {
      expect((await page.goto(url))?.status()).toBe(200);
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url() === url && r.request().method() === 'POST'),
        page.getByRole('button', { name: button }).click(),
      ]);
      await page.getByRole('heading', { level: 1, name: heading }).waitFor();
      return { status: response.status(), text: await page.locator('body').innerText() };
    } finally {
      await page.close();
    }
  };

  /** Opens a link in the browser and returns the page a GET shows, without clicking. */
  const openInBrowser = async (url: string) => {
    const page = await context.newPage();
    try {
      const response = await page.goto(url);
      return {
        status: response?.status(),
        heading: await page.getByRole('heading', { level: 1 }).innerText(),
        text: await page.locator('body').innerText(),
        hasButton: (await page.getByRole('button').count()) > 0,
      };
    } finally {
      await page.close();
    }
  };

  it('closes a CSAM notice as removed_in_time when the customer and then the desk confirm through the email links; a used link says so', async () => {
    const { customer, ip, contacts } = await customerWithDeadline('PT20S');
    const created = await submit(ip);

    const customerMail = await mail(contacts[0], `${created.id}:notify:0`);
    const links = linksIn(customerMail.text);
    expect([...links.keys()]).toEqual([
      'The material has been removed',
      'I dispute this notice (give a reason)',
    ]);
    const notified = await eventually(
      () => notice(created.id),
      (n) => n.timeline.some((e) => e.type === 'customer_notified'),
    );
    expect(notified.state).toBe('customer_notified');

    await fetchBare(links);
    expect(await notice(created.id)).toEqual(notified);
    expect(await linkUses(`notice:${created.id}`)).toEqual([]);
    expect(await signalsTo(created.workflowId)).toBe(0);

    // A second tab on the same link, still showing the form, to try it again once the link is used.
    const stale = await context.newPage();
    const removed = links.get('The material has been removed') as string;
    await stale.goto(removed);

    const answered = await confirmInBrowser(removed, 'Yes, it has been removed', 'Received');
    expect(answered.status).toBe(200);
    expect(answered.text).toContain('your confirmation of the removal was passed on');
    expect(await linkUses(`notice:${created.id}`)).toEqual([{ action: 'removed', remote: '127.0.0.1' }]);

    const claimed = await eventually(
      () => notice(created.id),
      (n) => n.state === 'awaiting_confirmation' && n.pendingTasks.length === 1,
    );
    expect(claimed.pendingTasks[0]).toMatchObject({ kind: 'removal_check', assignee: 'abuse_desk' });
    expect(claimed.timeline.find((e) => e.type === 'removal_claimed')?.actor).toBe(
      `customer:${customer.reference}`,
    );

    const taskId = claimed.pendingTasks[0].id;
    const deskMail = await mail(system.env.ABUSE_DESK_EMAIL, `${created.id}:task:removal_check:`);
    const deskLinks = linksIn(deskMail.text);
    expect([...deskLinks.keys()]).toEqual(['confirmed', 'still online']);
    const signalsBefore = await signalsTo(created.workflowId);
    await fetchBare(deskLinks);
    expect(await linkUses(`task:${taskId}`)).toEqual([]);
    expect((await http.get(`/v1/tasks/${taskId}`).expect(200)).body.status).toBe('open');
    expect(await signalsTo(created.workflowId)).toBe(signalsBefore);

    const checked = await confirmInBrowser(
      deskLinks.get('confirmed') as string,
      'Complete as “confirmed”',
      'Task completed',
    );
    expect(checked.status).toBe(200);
    const task = (await http.get(`/v1/tasks/${taskId}`).expect(200)).body;
    expect(task).toMatchObject({
      status: 'completed',
      outcome: 'confirmed',
      completedBy: `link:${system.env.ABUSE_DESK_EMAIL}`,
    });

    const closed = await eventually(
      () => notice(created.id),
      (n) => n.state === 'closed',
    );
    expect(closed.outcome).toBe('removed_in_time');
    expect(closed.pendingTasks).toEqual([]);
    // A slow run may remind the desk of its task before it answers; that reminder is not what this test is about.
    expect(closed.timeline.map((e) => e.type).filter((t) => t !== 'task_reminded')).toEqual([
      'received',
      'attributed',
      'customer_notified',
      'removal_claimed',
      'task_opened',
      'task_completed',
      'closed',
    ]);
    expect(closed.timeline.find((e) => e.type === 'task_completed')).toMatchObject({
      actor: `link:${system.env.ABUSE_DESK_EMAIL}`,
      data: { taskId, kind: 'removal_check', outcome: 'confirmed' },
    });

    // The stale tab's button posts a used link: the customer is told so, and nothing changes.
    const [again] = await Promise.all([
      stale.waitForResponse((r) => r.url() === removed && r.request().method() === 'POST'),
      stale.getByRole('button', { name: 'Yes, it has been removed' }).click(),
    ]);
    await stale.getByRole('heading', { level: 1, name: 'This link has already been used' }).waitFor();
    expect(again.status()).toBe(409);
    expect(await stale.locator('body').innerText()).toContain(
      'Each link works once; nothing more is needed.',
    );
    await stale.close();

    const reopened = await openInBrowser(removed);
    expect(reopened).toMatchObject({
      status: 409,
      heading: 'This link has already been used',
      hasButton: false,
    });
    const dispute = await openInBrowser(links.get('I dispute this notice (give a reason)') as string);
    expect(dispute).toMatchObject({ status: 409, hasButton: false });
    expect(dispute.text).toContain('This notice is closed');
    expect(await linkUses(`notice:${created.id}`)).toHaveLength(1);
    expect((await notice(created.id)).timeline).toEqual(closed.timeline);
  });

  it('emails the account manager a task when nobody answers by the deadline, and records its completion through the link', async () => {
    const { customer, contacts, created } = await unanswered();
    await mail(contacts[0], `${created.id}:notify:0`);

    const escalated = await eventually(
      () => notice(created.id),
      (n) => n.pendingTasks.some((t) => t.kind === 'account_manager_escalation'),
    );
    const taskId = escalated.pendingTasks.find((t) => t.kind === 'account_manager_escalation')?.id as string;
    const amMail = await mail(
      customer.accountManagerEmail as string,
      `${created.id}:task:account_manager_escalation:`,
    );
    const links = linksIn(amMail.text);
    expect([...links.keys()]).toEqual(['acknowledged', 'customer contacted', 'request suspension']);

    await fetchBare(links);
    expect(await linkUses(`task:${taskId}`)).toEqual([]);
    expect((await http.get(`/v1/tasks/${taskId}`).expect(200)).body.status).toBe('open');
    expect(await signalsTo(created.workflowId)).toBe(0);

    const done = await confirmInBrowser(
      links.get('customer contacted') as string,
      'Complete as “customer contacted”',
      'Task completed',
    );
    expect(done.status).toBe(200);
    expect(done.text).toContain('The task is completed as “customer contacted”');

    const task = (await http.get(`/v1/tasks/${taskId}`).expect(200)).body;
    expect(task).toMatchObject({
      kind: 'account_manager_escalation',
      status: 'completed',
      outcome: 'customer_contacted',
      completedBy: `link:${customer.accountManagerEmail}`,
    });
    expect(task.completedAt).not.toBeNull();
    expect(await linkUses(`task:${taskId}`)).toEqual([{ action: 'customer_contacted', remote: '127.0.0.1' }]);

    const recorded = await eventually(
      () => notice(created.id),
      (n) => n.timeline.some((e) => e.type === 'task_completed'),
    );
    expect(recorded.timeline.find((e) => e.type === 'task_completed')).toMatchObject({
      actor: `link:${customer.accountManagerEmail}`,
      data: { taskId, kind: 'account_manager_escalation', outcome: 'customer_contacted' },
    });
    expect(recorded.timeline.map((e) => e.type).slice(0, 5)).toEqual([
      'received',
      'attributed',
      'customer_notified',
      'escalated',
      'task_opened',
    ]);

    const other = await openInBrowser(links.get('acknowledged') as string);
    expect(other).toMatchObject({ status: 409, heading: 'Task already completed', hasButton: false });
  });
});
