import {
  customerNoticeEmail,
  escapeHtml,
  portalLinkEmail,
  notifierReceiptEmail,
  sourceFeedbackEmail,
  taskEmail,
  type CustomerNoticeInput,
} from '@takedown/mail';

const hostile = 'https://files.tenant-a.example/"><script>alert(1)</script>?a=1&b=2';

const notice = (overrides: Partial<CustomerNoticeInput> = {}): CustomerNoticeInput => ({
  kind: 'notice',
  language: 'en',
  customer: { name: 'Tenant A B.V.', reference: 'C-1001', timeZone: 'Europe/Amsterdam' },
  notice: {
    id: '0b6c3f0e-1d2a-4c55-9a57-3b1f2e4d5c6a',
    category: 'csam',
    urls: ['https://files.tenant-a.example/gallery/8f1c2e'],
    ip: '198.51.100.23',
    receivedAt: '2026-11-20T08:14:00Z',
  },
  deadline: '2026-11-21T08:14:00Z',
  links: { removed: 'https://takedown.example/links/r.sig', dispute: 'https://takedown.example/links/d.sig' },
  ...overrides,
});

describe('customer notice email', () => {
  it('is written in English or Dutch after the customer’s language', () => {
    const en = customerNoticeEmail(notice());
    const nl = customerNoticeEmail(notice({ language: 'nl' }));
    expect(en.subject).toContain('Abuse notice (child sexual abuse material (CSAM))');
    expect(en.text).toContain('Dear Tenant A B.V.,');
    expect(en.text).toContain('The material has been removed');
    expect(nl.subject).toContain('Melding van misbruik (seksueel kindermisbruikmateriaal (CSAM))');
    expect(nl.text).toContain('Beste Tenant A B.V.,');
    expect(nl.text).toContain('Het materiaal is verwijderd');
    expect(nl.text).not.toContain('Dear');
  });

  it('asks to stop what an address does, not to remove material, for a notice without a URL (IP-based abuse)', () => {
    const ipNotice = (language: 'en' | 'nl', kind: CustomerNoticeInput['kind'] = 'notice') =>
      customerNoticeEmail(
        notice({
          language,
          kind,
          notice: { ...notice().notice, category: 'login_attack', urls: [], ip: '198.51.100.77' },
        }),
      );
    const en = ipNotice('en');
    expect(en.subject).toMatch(
      /^\[Takedown\] Abuse notice \(login attacks \(brute force\)\): stop it before /,
    );
    expect(en.text).toContain('the IP address 198.51.100.77 on your service was involved in login attacks');
    expect(en.text).toContain('The cause has been found and stopped');
    expect(en.text).not.toMatch(/material|Reported:/);
    const nl = ipNotice('nl', 'reminder');
    expect(nl.subject).toMatch(
      /Herinnering: Melding van misbruik \(inlogaanvallen \(brute force\)\): stoppen vóór /,
    );
    expect(nl.text).toContain('het IP-adres 198.51.100.77 op uw dienst betrokken was bij inlogaanvallen');
    expect(nl.text).toContain('We hebben nog geen bevestiging ontvangen dat het is gestopt.');
    expect(nl.text).toContain('De oorzaak is gevonden en gestopt');
    expect(nl.text).not.toMatch(/materiaal|Gemeld:/);
    // A notice with URLs and an address still asks for removal.
    expect(
      customerNoticeEmail(notice({ notice: { ...notice().notice, category: 'spam' } })).subject,
    ).toContain('remove before');
  });

  it('offers the portal link, with its expiry in the customer’s zone, when the email has one', () => {
    const portal = {
      url: 'https://takedown.example/console/portal?link=0123_abc',
      expiresAt: new Date('2026-11-21T08:14:00Z'),
    };
    const en = customerNoticeEmail(notice({ portal }));
    const nl = customerNoticeEmail(notice({ language: 'nl', portal }));
    expect(en.text).toContain(
      '- All your open notices, answered at once, and your standing: the abuse portal (valid until',
    );
    expect(en.text).toContain(`  ${portal.url}`);
    expect(en.html).toContain(`<a href="${portal.url}">`);
    expect(nl.text).toContain('het abuse-portaal (geldig tot');
    expect(customerNoticeEmail(notice()).text).not.toContain('/console/portal');
  });

  it('lists the address, not an empty list of URLs, in a task email about an IP notice', () => {
    const mail = taskEmail({
      kind: 'task',
      task: { id: 't-1', kind: 'attribute', summary: 'Attribute this notice', dueAt: '2026-11-20T10:00:00Z' },
      notice: { id: 'n-1', category: 'scanning', customer: null, urls: [], ip: '198.51.100.78' },
      links: [],
      apiUrl: 'https://takedown.example/v1/tasks/t-1/complete',
    });
    expect(mail.text).toContain('IP address: 198.51.100.78');
    expect(mail.text).not.toContain('Reported:');
  });

  it('shows the reported URLs in full, the received time, and both links', () => {
    const mail = customerNoticeEmail(notice());
    expect(mail.text).toContain('https://files.tenant-a.example/gallery/8f1c2e');
    expect(mail.text).toContain('198.51.100.23');
    expect(mail.text).toContain('https://takedown.example/links/r.sig');
    expect(mail.text).toContain('https://takedown.example/links/d.sig');
    expect(mail.html).toContain('href="https://takedown.example/links/d.sig"');
  });

  it('writes the deadline in the customer’s time zone, naming the zone', () => {
    const amsterdam = customerNoticeEmail(notice({ language: 'nl' }));
    expect(amsterdam.text).toContain('Termijn: zaterdag 21 november 2026 om 09:14 (Europe/Amsterdam)');
    const newYork = customerNoticeEmail(
      notice({ customer: { name: 'Tenant US', reference: 'C-2001', timeZone: 'America/New_York' } }),
    );
    // ICU versions differ on the comma after the weekday.
    expect(newYork.text).toMatch(/Deadline: Saturday,? 21 November 2026 at 03:14 \(America\/New_York\)/);
    expect(newYork.subject).toContain('03:14 (America/New_York)');
  });

  it('keeps each language and zone apart when emails to several customers are written one after another', () => {
    const tenant = (timeZone: string) => ({ name: 'Tenant', reference: 'C-3001', timeZone });
    const deadlines = [
      notice({ language: 'nl', customer: tenant('Europe/Amsterdam') }),
      notice({ language: 'en', customer: tenant('Europe/Amsterdam') }),
      notice({ language: 'nl', customer: tenant('America/New_York') }),
      notice({ language: 'nl', customer: tenant('Europe/Amsterdam') }),
    ].map((input) => /(?:Termijn|Deadline): (.*)/.exec(customerNoticeEmail(input).text)?.[1]);
    expect(deadlines[0]).toBe('zaterdag 21 november 2026 om 09:14 (Europe/Amsterdam)');
    expect(deadlines[1]).toMatch(/^Saturday,? 21 November 2026 at 09:14 \(Europe\/Amsterdam\)$/);
    expect(deadlines[2]).toBe('zaterdag 21 november 2026 om 03:14 (America/New_York)');
    expect(deadlines[3]).toBe(deadlines[0]);
  });

  it('says it is a reminder when it is one', () => {
    expect(customerNoticeEmail(notice({ kind: 'reminder' })).subject).toMatch(/^\[Takedown\] Reminder: /);
    expect(customerNoticeEmail(notice({ kind: 'reminder', language: 'nl' })).text).toContain(
      'nog geen bevestiging',
    );
  });

  it('says it is the last call, and what happens after the deadline, when it is one', () => {
    const en = customerNoticeEmail(notice({ kind: 'last_call' }));
    expect(en.subject).toMatch(/^\[Takedown\] Last call: Abuse notice/);
    expect(en.text).toContain('we escalate to your account manager');
    const nl = customerNoticeEmail(notice({ kind: 'last_call', language: 'nl' }));
    expect(nl.subject).toMatch(/^\[Takedown\] Laatste oproep: Melding van misbruik/);
    expect(nl.text).toContain('De termijn verstrijkt binnenkort');
  });

  it('escapes a hostile URL in the HTML body and keeps it verbatim in the text body', () => {
    const mail = customerNoticeEmail(notice({ notice: { ...notice().notice, urls: [hostile] } }));
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain(escapeHtml(hostile));
    expect(mail.html).toContain('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;?a=1&amp;b=2');
    expect(mail.text).toContain(hostile);
  });
});

describe('task email', () => {
  const input = {
    kind: 'task' as const,
    task: {
      id: 't-1',
      kind: 'account_manager_escalation' as const,
      summary: 'The customer missed the removal deadline: contact it, or request suspension.',
      dueAt: '2026-11-21T14:14:00Z',
    },
    notice: { id: 'n-1', category: 'phishing' as const, urls: [hostile], ip: null, customer: 'Tenant <A>' },
    links: [
      { outcome: 'acknowledged', url: 'https://takedown.example/links/a' },
      { outcome: 'customer_contacted', url: 'https://takedown.example/links/c' },
    ],
    apiUrl: 'https://takedown.example/v1/tasks/t-1/complete',
  };

  it('offers one link per outcome and the API route', () => {
    const mail = taskEmail(input);
    expect(mail.subject).toContain('Task: account manager escalation (phishing)');
    expect(mail.text).toContain('- customer contacted:\n  https://takedown.example/links/c');
    expect(mail.text).toContain('POST https://takedown.example/v1/tasks/t-1/complete');
    expect(mail.html).not.toContain('<A>');
    expect(mail.html).not.toContain('<script>');
    expect(taskEmail({ ...input, kind: 'reminder' }).subject).toContain('Reminder: Task');
  });
});

describe('source feedback email', () => {
  it('tells the source the outcome and the times under its own reference', () => {
    const mail = sourceFeedbackEmail({
      sourceReference: 'hotline-nl-2026-000417',
      notice: {
        id: 'n-1',
        category: 'csam',
        outcome: 'removed_in_time',
        receivedAt: new Date('2026-11-20T08:14:00Z'),
        removedAt: new Date('2026-11-20T11:44:00Z'),
        closedAt: new Date('2026-11-20T12:00:00Z'),
      },
    });
    expect(mail.subject).toBe('[Takedown] Your report hotline-nl-2026-000417: removed within the deadline');
    expect(mail.text).toContain('Time to removal: 3 h 30 min');
    expect(mail.text).toMatch(/Removed: Friday,? 20 November 2026 at 11:44 \(UTC\)/);
  });

  it('states the decision with whether automated means took it, and the redress (DSA Art. 16(5))', () => {
    const mail = sourceFeedbackEmail({
      sourceReference: 'hotline-nl-2026-000418',
      notice: {
        id: 'n-2',
        category: 'phishing',
        outcome: 'disputed_accepted',
        receivedAt: new Date('2026-11-20T08:14:00Z'),
        removedAt: null,
        closedAt: new Date('2026-11-21T12:00:00Z'),
      },
    });
    expect(mail.text).toContain('not removed: the customer’s dispute was accepted');
    expect(mail.text).toContain('This decision was taken by people');
    expect(mail.text).toContain('ask us to review it');
    expect(mail.text).toContain('out-of-court dispute settlement body');
    expect(mail.text).toContain('go to court');
    expect(mail.html).toContain('out-of-court dispute settlement body');
  });
});

describe('notifier receipt email', () => {
  it('confirms receipt under the sender’s own reference, says how automated means are used, and names no URL', () => {
    const mail = notifierReceiptEmail({
      sourceReference: 'hotline-nl-2026-000419',
      noticeId: 'n-3',
      category: 'csam',
      receivedAt: new Date('2026-11-20T08:14:00Z'),
    });
    expect(mail.subject).toBe('[Takedown] Received: your report hotline-nl-2026-000419');
    expect(mail.text).toContain('We have received your report');
    expect(mail.text).toContain('by automated means');
    expect(mail.text).toMatch(/Received: Friday,? 20 November 2026 at 08:14 \(UTC\)/);
    expect(mail.text).not.toMatch(/https?:/);
  });
});

describe('portal link email', () => {
  const input = {
    customer: { name: 'Tenant <A> B.V.', reference: 'C-1001', timeZone: 'Europe/Amsterdam' },
    url: 'https://takedown.example/console/portal?link=0123456789abcdef0123456789abcdef_x&y',
    expiresAt: new Date('2026-11-21T08:14:00Z'),
  };

  it('carries the link and until when it works, in the customer’s language and time zone', () => {
    const en = portalLinkEmail({ ...input, language: 'en' });
    const nl = portalLinkEmail({ ...input, language: 'nl' });
    expect(en.subject).toBe('[Takedown] Your abuse portal link for C-1001');
    expect(nl.subject).toBe('[Takedown] Uw link naar het abuse-portaal voor C-1001');
    expect(en.text).toContain(input.url);
    expect(en.text).toContain('(Europe/Amsterdam)');
    expect(nl.text).toContain('zaterdag 21 november 2026');
    expect(en.text).toContain('If you did not ask for it, ignore this email.');
  });

  it('escapes the customer’s name and the link in the HTML body', () => {
    const { html } = portalLinkEmail({ ...input, language: 'en' });
    expect(html).toContain(escapeHtml('Tenant <A> B.V.'));
    expect(html).not.toContain('Tenant <A>');
    expect(html).toContain(escapeHtml(input.url));
  });
});
