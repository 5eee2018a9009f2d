import { randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { simpleParser } from 'mailparser';
import * as path from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { DataSource } from 'typeorm';
import { DEMO_POLICY } from '@takedown/domain';
import { CapturedMailbox, type CapturedMailSummary } from '@takedown/mail';
import { PolicyEntity } from '@takedown/persistence';
import { verifyReport } from '@takedown/reports';
import type { Http } from '../support/api';
import { CHROMIUM_ARGS, ensureChromium } from '../support/chromium';
import { watchPages } from '../support/console-browser';
import { storeCustomer } from '../support/customers';
import { eventually } from '../support/eventually';
import { steps } from '../support/failure-notes';
import { startListeningSystem, type ListeningSystem } from '../support/listening-system';
import { pdfText } from '../support/pdf-text';

const LEGAL = 'legal@provider.example';
const NOC = 'noc@provider.example';
const MISSED_FOR_A_CASE = 5; // the default standing policy: five missed CSAM deadlines open a termination case

/**
 * A customer's whole way out, on the real stack (PostgreSQL, Temporal dev server, worker, SMTP capture) with a
 * seconds-long CSAM deadline, the people's part done in a real headless Chromium: notices come in, the customer lets
 * every deadline pass, the desk finds the material gone late, the standing opens a termination case by itself, legal
 * approves through the link in its email, the NOC decommissions through its link, and legal downloads the report.
 */
describe('from the first notice to the downloaded termination report, in a browser', () => {
  let system: ListeningSystem;
  let desk: Http;
  let legal: Http;
  let legalToken: string;
  let db: DataSource;
  let mailbox: CapturedMailbox;
  let browser: Browser;
  let context: BrowserContext;
  let downloads: string;

  beforeAll(async () => {
    const [running, executablePath] = await Promise.all([
      startListeningSystem(),
      ensureChromium((line) => process.stderr.write(`[chromium] ${line}\n`)),
    ]);
    system = running;
    desk = await system.as('abuse_desk');
    legalToken = await system.tokenFor('legal');
    legal = await system.as('legal');
    db = system.app.get(DataSource);
    mailbox = new CapturedMailbox(system.env.MAIL_CAPTURE_DIR as string);
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
    context = await browser.newContext({ acceptDownloads: true });
    watchPages(context);
    downloads = fs.mkdtempSync(path.join(system.env.TAKEDOWN_DATA_DIR as string, 'downloads-'));
  }, 900_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await system?.stop();
  });

  /** A mail to `to` whose idempotency key starts with `keyPrefix`: found by file name, not by reading every mail. */
  const mailTo = async (
    to: string,
    keyPrefix: string,
    matches: (m: CapturedMailSummary) => boolean,
  ): Promise<CapturedMailSummary> => {
    const [found] = await eventually(
      async () => (await mailbox.withKeyPrefix(keyPrefix)).filter((m) => m.to.includes(to) && matches(m)),
      (m) => m.length > 0,
      90_000,
    );
    return found;
  };

  /** The link after `- label:` in an email's text body. */
  const linkIn = async (mail: CapturedMailSummary, label: string): Promise<string> => {
    const { text } = await mailbox.read(mail.id);
    const found = [...text.matchAll(/^- (.+):\n\s+(\S+\/links\/\S+)$/gm)].find(([, l]) => l === label);
    expect(found?.[2]?.startsWith(`${system.baseUrl}/links/`)).toBe(true);
    return found![2];
  };

  /** Opens a task link, writes a note, clicks the confirm button, and waits for the page that answers. */
  const completeInBrowser = async (url: string, outcome: string, note: string) => {
    const page = await context.newPage();
    try {
      expect((await page.goto(url))?.status()).toBe(200);
      await page.getByLabel('Note (optional)').fill(note);
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url() === url && r.request().method() === 'POST'),
        page.getByRole('button', { name: `Complete as “${outcome}”` }).click(),
      ]);
      expect(response.status()).toBe(200);
    } finally {
      await page.close();
    }
  };

  it('terminates a customer that lets CSAM deadlines pass, and legal downloads a report that verifies', async () => {
    // Should it fail (in warm run N, 6 December 2026, it ran out of its 300 s where it takes 25), it says where.
    const step = steps();
    step('a policy and a customer');
    const profile = `journey-${randomBytes(4).toString('hex')}`;
    await db.getRepository(PolicyEntity).insert({
      id: profile,
      version: 1,
      categories: { ...DEMO_POLICY.categories, csam: { reminders: [], deadline: 'PT3S' } },
      effectiveFrom: new Date(),
    });
    const { customer, ip, contacts } = await storeCustomer(db, { policyProfile: profile });

    // Notices come in; the customer is told of each and answers none.
    const ids: string[] = [];
    for (let i = 0; i < MISSED_FOR_A_CASE; i++) {
      step(`notice ${i + 1} comes in`);
      const reference = `journey-${randomUUID()}`;
      const created = await desk
        .post('/v1/notices')
        .send({
          source: { kind: 'hotline', name: 'Example Hotline' },
          sourceReference: reference,
          category: 'csam',
          urls: [`https://files.tenant-a.example/gallery/${reference}`],
          ip,
          hashes: { sha256: randomBytes(32).toString('hex') },
        })
        .expect(201);
      ids.push(created.body.id as string);
    }
    step('the customer is told of the first');
    await mailTo(contacts[0], `${ids[0]}:notify:0`, () => true);

    // Every deadline passes; the desk then finds the material gone, too late.
    for (const [i, id] of ids.entries()) {
      step(`notice ${i + 1} escalates, and the desk confirms its removal`);
      await eventually(
        async () => (await desk.get(`/v1/notices/${id}`).expect(200)).body.state as string,
        (state) => state === 'escalated',
        60_000,
      );
      await desk
        .post(`/v1/notices/${id}/actions/confirm-removal`)
        .send({ by: 'desk:e2e' })
        .expect((r) => expect(r.status).toBeLessThan(300));
    }
    for (const [i, id] of ids.entries()) {
      step(`notice ${i + 1} closes as removed late`);
      await eventually(
        async () => (await desk.get(`/v1/notices/${id}`).expect(200)).body as { outcome: string | null },
        (n) => n.outcome === 'removed_late',
      );
    }

    // The standing counts five missed CSAM deadlines and opens a case by itself.
    step('the standing opens a termination case');
    const standing = await eventually(
      async () =>
        (await legal.get(`/v1/customers/${customer.id}/standing`).expect(200)).body as {
          level: string;
          terminationCaseId: string | null;
        },
      (s) => s.terminationCaseId !== null,
      60_000,
    );
    expect(standing.level).toBe('termination_case');
    const caseId = standing.terminationCaseId as string;

    // Legal approves through the link in its email, in the browser.
    // Other tests write to legal and the NOC too: this customer's mail names it.
    step('legal approves through its email');
    const review = await mailTo(
      LEGAL,
      caseId,
      (m) => m.subject.includes('legal review') && m.subject.includes(customer.reference),
    );
    await completeInBrowser(await linkIn(review, 'approve'), 'approve', 'five CSAM deadlines missed');

    // The contract allows immediate termination for illegal content: the letter goes out, the NOC decommissions.
    step('the termination letter goes out');
    const letter = await mailTo(contacts[0], `${caseId}:notice`, (m) =>
      m.subject.startsWith('Notice of termination'),
    );
    const parsed = await simpleParser(
      fs.readFileSync(path.join(system.env.MAIL_CAPTURE_DIR as string, letter.id)),
    );
    // The letter as PDF, and the statement of reasons (DSA Art. 17) before the NOC decommissions.
    expect(parsed.attachments.map((a) => a.contentType)).toEqual(['application/pdf', 'application/pdf']);
    expect(parsed.attachments[1].filename).toMatch(/^statement-of-reasons-/);
    step('the NOC decommissions through its email');
    const decommission = await mailTo(
      NOC,
      caseId,
      (m) => m.subject.includes('decommission') && m.subject.includes(customer.reference),
    );
    await completeInBrowser(
      await linkIn(decommission, 'done'),
      'done',
      'rack powered off, cross-connects reclaimed',
    );
    step('the case is terminated');
    await eventually(
      async () => (await legal.get(`/v1/terminations/${caseId}`).expect(200)).body.status as string,
      (status) => status === 'terminated',
      60_000,
    );

    // Legal downloads the report in the browser.
    step('legal downloads the report');
    await context.setExtraHTTPHeaders({ Authorization: `Bearer ${legalToken}` });
    const page = await context.newPage();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.goto(`${system.baseUrl}/v1/terminations/${caseId}/report.pdf`).catch(() => null),
    ]);
    // Named after the case and the snapshot it is.
    expect(download.suggestedFilename()).toMatch(new RegExp(`^termination-${caseId}-[0-9a-f-]{36}\\.pdf$`));
    const saved = path.join(downloads, download.suggestedFilename());
    await download.saveAs(saved);
    await page.close();
    const pdf = fs.readFileSync(saved);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    // Title page, summary with the chart, notices, timeline, decisions.
    expect(pdf.toString('latin1').match(/\/Type \/Page\b/g)?.length).toBeGreaterThanOrEqual(4);

    // The same snapshot as JSON (by the id the PDF is named after: a later event of the case may have made a newer
    // one) verifies, and holds every notice with its missed deadline.
    const snapshotId = download.suggestedFilename().slice(`termination-${caseId}-`.length, -'.pdf'.length);
    const report = (
      await legal.get(`/v1/terminations/${caseId}/reports/${snapshotId}/report.json`).expect(200)
    ).body;
    expect(verifyReport(report)).toMatchObject({ ok: true });
    // The same snapshot as the PDF: the PDF prints this JSON's digest.
    expect(pdfText(pdf)).toContain(report.digest.value);
    expect(report.notices.map((n: { id: string }) => n.id).sort()).toEqual([...ids].sort());
    expect(report.notices.every((n: { deadlineMet: boolean }) => n.deadlineMet === false)).toBe(true);
    expect(report.timeline.map((e: { type: string }) => e.type)).toEqual(
      expect.arrayContaining(['opened', 'approved', 'customer_notified', 'terminated']),
    );
  }, 300_000);
});
