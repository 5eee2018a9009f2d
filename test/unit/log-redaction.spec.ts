import fc from 'fast-check';
import { redactRequestForLog } from '@takedown/api/common/log-redaction';

/** A request to a link page as pino's serializer hands it over: the token in the path and in the parameters. */
const linkRequest = (token: string) => ({
  method: 'GET',
  url: `/links/${encodeURIComponent(token)}?x=1`,
  params: { path: ['links', token], token },
  query: { x: '1' },
});

describe('request log redaction', () => {
  it('takes a link token out of the path and the parameters, and leaves other requests alone', () => {
    const token = 'eyJ0Ijoibm90aWNlIn0.6MbgjcBTCbz_HIxNb9em27dIn5AdH-OZWhVceCmt8qo';
    expect(redactRequestForLog(linkRequest(token))).toEqual({
      method: 'GET',
      url: '/links/[redacted]?x=1',
      params: { path: ['links', '[redacted]'], token: '[redacted]' },
      query: { x: '1' },
    });
    const other = { method: 'GET', url: '/v1/notices/abc', params: { id: 'abc' } };
    expect(redactRequestForLog(other)).toEqual(other);
  });

  it('never throws and never keeps the token, whatever a client puts in a link path', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 300 }), (token) => {
        const out = redactRequestForLog(linkRequest(token));
        expect(out.url).toBe('/links/[redacted]?x=1');
        // A short token can occur in the rest of the line by chance.
        const logged = token.length >= 12 ? JSON.stringify(out) : '';
        expect(logged).not.toContain(JSON.stringify(token).slice(1, -1));
      }),
      { numRuns: 500 },
    );
  });

  it('takes reported URLs out of the query string and the path, and keeps ids, enums, numbers and dates', () => {
    const secret = 'gallery/8f1c2e-secret';
    const out = redactRequestForLog({
      method: 'GET',
      url: `/v1/notices?source=${encodeURIComponent(`https://files.example/${secret}`)}&status=open&limit=5&raw=https://files.example/${secret}`,
      query: {
        source: `https://files.example/${secret}`,
        status: 'open',
        limit: '5',
        from: '2026-11-20T08:14:00Z',
        [`https://files.example/${secret}`]: '1',
      },
      params: {},
    });
    expect(out.url).toBe('/v1/notices?source=[redacted]&status=open&limit=5&raw=[redacted]');
    expect(out.query).toEqual({
      source: '[redacted]',
      status: 'open',
      limit: '5',
      from: '2026-11-20T08:14:00Z',
      '[redacted]': '1',
    });
    const inPath = redactRequestForLog({
      url: `/v1/notices/${encodeURIComponent(`https://files.example/${secret}`)}`,
      params: { id: `https://files.example/${secret}` },
    });
    expect(inPath).toEqual({ url: '/v1/notices/[redacted]', params: { id: '[redacted]' } });
  });

  it('never keeps a credential in the query string, however plain it looks: portal links, OIDC callbacks', () => {
    const portal = redactRequestForLog({
      url: '/console/portal?link=0f3c2a9e_Zm9vYmFyYmF6cXV4&lang=nl',
      query: { link: '0f3c2a9e_Zm9vYmFyYmF6cXV4', lang: 'nl' },
    });
    expect(portal).toEqual({
      url: '/console/portal?link=[redacted]&lang=nl',
      query: { link: '[redacted]', lang: 'nl' },
    });
    const callback = redactRequestForLog({ url: '/console/callback?code=abc-DEF_123&state=xyz789' });
    expect(callback.url).toBe('/console/callback?code=[redacted]&state=[redacted]');
  });

  it('never keeps a URL a client puts anywhere in the query string', () => {
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: true }), fc.webPath(), (url, path) => {
        const secret = `${url}/s3cr3t${path}`;
        const out = redactRequestForLog({
          url: `/v1/attribution?ip=${encodeURIComponent(secret)}&at=${secret}`,
          query: { ip: secret, at: secret },
        });
        expect(JSON.stringify(out)).not.toContain('s3cr3t');
      }),
      { numRuns: 300 },
    );
  });
});
