import { CATEGORIES, ROLES, seesFullUrls, textFor, urlsFor, type UrlAudience } from '@takedown/domain';

const URL_A = 'https://files.tenant-a.example/gallery/8f1c2e?x=1';

describe('who sees a full URL (one rule for API, emails and console)', () => {
  it('shows a CSAM URL in full only to the desk, its lead, admins, the reporter and the customer', () => {
    const full = (ROLES as readonly UrlAudience[]).filter((r) => seesFullUrls(r, 'csam'));
    expect(full.sort()).toEqual(['abuse_desk', 'abuse_lead', 'admin', 'customer', 'source']);
    expect(urlsFor('account_manager', 'csam', [URL_A])).toEqual([
      'https://files.tenant-a.example/[redacted]',
    ]);
    expect(urlsFor('noc', 'csam', [URL_A])).toEqual(['https://files.tenant-a.example/[redacted]']);
    expect(urlsFor('legal', 'csam', [URL_A])).toEqual(['https://files.tenant-a.example/[redacted]']);
    expect(urlsFor('abuse_desk', 'csam', [URL_A])).toEqual([URL_A]);
  });

  it('shows every other category in full to whoever may read the notice', () => {
    for (const category of CATEGORIES.filter((c) => c !== 'csam')) {
      for (const role of ROLES) expect(urlsFor(role, category, [URL_A])).toEqual([URL_A]);
    }
  });

  it('lets a reader with several roles see what the most trusted of them sees', () => {
    expect(seesFullUrls(['account_manager', 'abuse_desk'], 'csam')).toBe(true);
    expect(seesFullUrls(['account_manager', 'noc'], 'csam')).toBe(false);
    expect(seesFullUrls([], 'csam')).toBe(false);
  });

  it('reduces URLs inside free text the same way, with or without a scheme', () => {
    const text = `Seen at ${URL_A} and files.tenant-a.example/gallery/9 today.`;
    const reduced = textFor('account_manager', 'csam', text);
    expect(reduced).not.toContain('gallery');
    expect(reduced).toContain('https://files.tenant-a.example/[redacted]');
    expect(reduced).toContain('files.tenant-a.example/[redacted]');
    expect(textFor('abuse_desk', 'csam', text)).toBe(text);
  });
});
