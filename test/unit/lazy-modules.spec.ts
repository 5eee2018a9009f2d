/**
 * Three libraries that take a tenth to a quarter of a second each to load are loaded with their first use, not by
 * every process (and every test file) that imports the code using them: mailauth (inbound mail's DKIM), pdfkit (the
 * letters and reports), mailparser (inbound mail, the captured mailbox).
 */
const LAZY = ['mailauth', 'pdfkit', 'mailparser'];

const loaded = () =>
  LAZY.filter((name) => Object.keys(require.cache).some((file) => file.includes(`/node_modules/${name}/`)));

describe('libraries loaded with their first use', () => {
  it('are not loaded by importing the modules that use them', () => {
    /* eslint-disable @typescript-eslint/no-require-imports */
    require('../../libs/intake/src');
    require('../../libs/reports/src');
    require('../../libs/mail/src');
    require('../../apps/api/src/intake/mail-pipe');
    /* eslint-enable @typescript-eslint/no-require-imports */
    expect(loaded()).toEqual([]);
  });

  it('are seen by this check once loaded (so that an empty list above means something)', async () => {
    await import('mailparser');
    expect(loaded()).toContain('mailparser');
  });
});
