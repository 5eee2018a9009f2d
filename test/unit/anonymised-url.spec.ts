import { createHash } from 'node:crypto';
import { anonymisedText, anonymisedUrl, parseAnonymisedUrl } from '@takedown/domain';
import { redactedUrl } from '@takedown/reports';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const URL_A = 'https://files.tenant-a.example:8443/gallery/8f1c2e?x=1';

describe('anonymised URLs (retention)', () => {
  it('keeps scheme and host and replaces path and query by their SHA-256', () => {
    expect(anonymisedUrl(URL_A)).toBe(
      `https://files.tenant-a.example:8443/[sha256:${sha256('/gallery/8f1c2e?x=1')}]`,
    );
  });

  it('gives the termination report the same host and hash as the URL it was made from', () => {
    expect(redactedUrl(anonymisedUrl(URL_A))).toEqual(redactedUrl(URL_A));
    expect(redactedUrl(anonymisedUrl('not a url'))).toEqual(redactedUrl('not a url'));
  });

  it('drops credentials in the URL and keeps nothing of text that is not a URL but its hash', () => {
    expect(anonymisedUrl('https://bob:secret@files.example/a')).not.toContain('bob');
    expect(anonymisedUrl('not a url /secret')).toBe(`[sha256:${sha256('not a url /secret')}]`);
  });

  it('changes nothing the second time', () => {
    const once = anonymisedUrl(URL_A);
    expect(anonymisedUrl(once)).toBe(once);
    expect(parseAnonymisedUrl(once)).toEqual({
      host: 'files.tenant-a.example:8443',
      pathSha256: sha256('/gallery/8f1c2e?x=1'),
    });
    expect(parseAnonymisedUrl(URL_A)).toBeNull();
  });
});

describe('anonymised free text (retention)', () => {
  const reason =
    'Still online at https://files.tenant-a.example/gallery/8f1c2e?x=1. Also files.tenant-a.example/other/9, ' +
    'ask j.jansen@hotline.example (not https://bob@evil.example/x).';

  it('reduces every URL to host and hash and removes email addresses, keeping the words', () => {
    const out = anonymisedText(reason);
    expect(out).toContain('Still online at https://files.tenant-a.example/[sha256:');
    expect(out).toContain(`files.tenant-a.example/[sha256:${sha256('/other/9')}],`);
    expect(out).toContain('ask [email removed] (not https://evil.example/[sha256:');
    expect(out).not.toMatch(/gallery|other\/9|jansen|bob/);
    expect(out.endsWith(']).')).toBe(true); // the sentence's own punctuation stays
  });

  it('changes nothing the second time', () => {
    const once = anonymisedText(reason);
    expect(anonymisedText(once)).toBe(once);
  });

  it('leaves text without URLs or addresses as it was', () => {
    expect(anonymisedText('still there at 10:12, see ticket 4711')).toBe(
      'still there at 10:12, see ticket 4711',
    );
  });
});
