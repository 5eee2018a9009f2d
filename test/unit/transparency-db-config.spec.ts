import { loadEnv } from '@takedown/config';

describe('Transparency Database configuration', () => {
  it('submits nothing by default; a URL needs its token, named when missing', () => {
    expect(loadEnv({}).TRANSPARENCY_DB_URL).toBeUndefined();
    expect(() => loadEnv({ TRANSPARENCY_DB_URL: 'https://tdb.example/api/v1/statements' })).toThrow(
      /TRANSPARENCY_DB_TOKEN: required when TRANSPARENCY_DB_URL is set/,
    );
    expect(
      loadEnv({
        TRANSPARENCY_DB_URL: 'https://tdb.example/api/v1/statements',
        TRANSPARENCY_DB_TOKEN: 'X|abc',
      }),
    ).toMatchObject({ TRANSPARENCY_DB_TOKEN: 'X|abc' });
    expect(() => loadEnv({ TRANSPARENCY_DB_URL: 'ftp://tdb.example' })).toThrow(/TRANSPARENCY_DB_URL/);
  });
});
