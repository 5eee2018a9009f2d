import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MailSource } from '@takedown/domain';
import { IntakeError, parseHotlineMail, parseMail, seenAt } from '@takedown/intake';

const samples = path.join(__dirname, '..', 'fixtures', 'samples');
const scart = fs.readFileSync(path.join(samples, 'scart-ntd.eml'), 'utf8');
const source: MailSource = {
  kind: 'hotline',
  name: 'Example Hotline',
  senders: ['ntd@hotline.example'],
  ranges: [],
};
const opts = { source, sender: 'ntd@hotline.example', now: new Date('2026-12-03T12:00:00Z') };

const URL1 = 'http://203.0.113.70/gallery/a8f3/001.jpg';
const URL2 = 'http://203.0.113.70/gallery/a8f3/002.jpg';
const URL3 = 'http://198.51.100.23/u/4411/v.mp4';

/** The sample with its body table and CSV attachment replaced. */
function variant(body: string | null, csv: string | null): Buffer {
  const [head] = scart.split('--ntd-boundary-7');
  const parts = [
    ...(body === null
      ? []
      : [
          `--ntd-boundary-7\r\nContent-Type: text/plain; charset="utf-8"\r\n\r\nDear abuse department,\r\n\r\n${body}\r\n`,
        ]),
    ...(csv === null
      ? []
      : [
          `--ntd-boundary-7\r\nContent-Type: text/csv; charset="utf-8"; name="urls-2026-0412873.csv"\r\n` +
            `Content-Disposition: attachment; filename="urls-2026-0412873.csv"\r\n\r\n${csv}\r\n`,
        ]),
  ];
  return Buffer.from(`${head}${parts.join('')}--ntd-boundary-7--\r\n`);
}

const BODY_HEADER = 'url | ip | first seen | last seen | note';
const CSV_HEADER = 'url;ip;first_seen;last_seen;note';
const bodyLine = (url: string, ip = '203.0.113.70') =>
  `${url} | ${ip} | 2026-12-03 09:41 | 2026-12-03 10:02 | image`;
const csvLine = (url: string, ip = '203.0.113.70') => `${url};${ip};2026-12-03 09:41;2026-12-03 10:02;image`;

describe('the hotline’s NTD mail (SCARt)', () => {
  it('reads the sample: one CSAM report per URL, the file number as reference, first seen in Dutch time', async () => {
    const file = (await parseHotlineMail(Buffer.from(scart), opts))!;
    expect(file.fileNumber).toBe('2026-0412873');
    expect(file.problems).toEqual([]);
    expect(file.notes).toEqual([]);
    expect(file.reports.map((r) => r.report.notice.urls)).toEqual([[URL1], [URL2], [URL3]]);
    const [first, , third] = file.reports.map((r) => r.report);
    expect(first.notice).toMatchObject({
      source: { kind: 'hotline', name: 'Example Hotline', contact: 'ntd@hotline.example' },
      sourceReference: expect.stringMatching(/^2026-0412873\/[0-9a-f]{16}$/),
      category: 'csam',
      ip: '203.0.113.70',
      // 09:41 in Amsterdam in December is 08:41 UTC.
      observedAt: '2026-12-03T08:41:00.000Z',
    });
    expect(third.notice.ip).toBe('198.51.100.23');
    expect(first.extras).toMatchObject({
      channel: 'mail-hotline',
      reportedType: 'hotline/ntd',
      reportDetails: {
        fileNumber: '2026-0412873',
        lastSeen: '2026-12-03T09:02:00.000Z',
        note: 'image',
        foundIn: ['urls-2026-0412873.csv', 'the body table'],
      },
    });
    expect(new Set(file.reports.map((r) => r.report.notice.sourceReference)).size).toBe(3);
    // The same file read again gives the same references: a mail sent twice is the same notices.
    const again = (await parseHotlineMail(Buffer.from(scart), opts))!;
    expect(again.reports.map((r) => r.report.notice.sourceReference)).toEqual(
      file.reports.map((r) => r.report.notice.sourceReference),
    );
  });

  it('is not taken for any other subject, and parseMail still reads such mail as before', async () => {
    const other = Buffer.from(scart.replace('Notice & Take Down message from', 'Newsletter of'));
    expect(await parseHotlineMail(other, opts)).toBeUndefined();
    await expect(parseMail(other, opts)).resolves.toMatchObject({ extras: { channel: 'mail-plain' } });
  });

  it('takes the body table alone and the attachment alone', async () => {
    const bodyOnly = (await parseHotlineMail(variant(`${BODY_HEADER}\r\n${bodyLine(URL1)}`, null), opts))!;
    expect(bodyOnly.reports.map((r) => r.report.notice.urls[0])).toEqual([URL1]);
    const csvOnly = (await parseHotlineMail(
      variant('See the attachment.', `${CSV_HEADER}\r\n${csvLine(URL2)}`),
      opts,
    ))!;
    expect(csvOnly.reports.map((r) => r.report.notice.urls[0])).toEqual([URL2]);
    expect(csvOnly.notes).toEqual([]);
  });

  it('takes the union when the body table and the attachment disagree, with a note naming the lines', async () => {
    const file = (await parseHotlineMail(
      variant(
        `${BODY_HEADER}\r\n${bodyLine(URL1)}\r\n${bodyLine(URL2)}`,
        `${CSV_HEADER}\r\n${csvLine(URL1)}\r\n${csvLine(URL3, '198.51.100.23')}`,
      ),
      opts,
    ))!;
    expect(file.reports.map((r) => r.report.notice.urls[0]).sort()).toEqual([URL1, URL2, URL3].sort());
    expect(file.notes).toEqual([
      'body line 5: the URL is not in urls-2026-0412873.csv; taken',
      'urls-2026-0412873.csv line 3: the URL is not in the body table; taken',
    ]);
    expect(file.reports[0].report.extras.reportDetails).toMatchObject({ listNotes: file.notes });
  });

  it('names every broken line (missing cells, bad IP, bad URL, duplicate) and takes the others', async () => {
    const file = (await parseHotlineMail(
      variant(
        null,
        [
          CSV_HEADER,
          csvLine(URL1),
          `${URL2};203.0.113.70;2026-12-03 09:41`,
          csvLine(URL3, '198.51.100.999'),
          csvLine('javascript:alert(1)'),
          csvLine(URL1),
          csvLine('http://203.0.113.70/gallery/a8f3/003.jpg'),
        ].join('\r\n'),
      ),
      opts,
    ))!;
    expect(file.reports.map((r) => r.report.notice.urls[0])).toEqual([
      URL1,
      'http://203.0.113.70/gallery/a8f3/003.jpg',
    ]);
    expect(file.problems).toEqual([
      { where: 'urls-2026-0412873.csv line 3', problem: 'has 3 cells where the header has 5' },
      { where: 'urls-2026-0412873.csv line 4', field: 'ip', problem: 'is not an IP address' },
      { where: 'urls-2026-0412873.csv line 5', field: 'url', problem: 'must be an http, https or ftp URL' },
      {
        where: 'urls-2026-0412873.csv line 6',
        field: 'url',
        problem: 'lists the same URL as urls-2026-0412873.csv line 2; taken once',
      },
    ]);
    // A problem never repeats the line's values: they may be the material's address.
    expect(JSON.stringify(file.problems)).not.toMatch(/4411|198\.51\.100\.999|alert/);
  });

  it('reads a list without the optional columns, and refuses one without a url column as a whole', async () => {
    const noIp = (await parseHotlineMail(variant(null, `url;note\r\n${URL1};image`), opts))!;
    expect(noIp.reports[0].report.notice).not.toHaveProperty('ip');
    await expect(parseHotlineMail(variant(null, `ip;note\r\n203.0.113.70;image`), opts)).rejects.toThrow(
      /no line could be taken \(urls-2026-0412873\.csv line 1 \[url\]: the header has no url column\)/,
    );
    await expect(parseHotlineMail(variant('No list here.', null), opts)).rejects.toBeInstanceOf(IntakeError);
  });

  it('reads the hotline’s times in Dutch time, summer and winter, and ISO 8601 with a zone', () => {
    expect(seenAt('2026-12-03 09:41')?.toISOString()).toBe('2026-12-03T08:41:00.000Z');
    expect(seenAt('2026-07-01 09:41:30')?.toISOString()).toBe('2026-07-01T07:41:30.000Z');
    expect(seenAt('2026-07-01T09:41:00+02:00')?.toISOString()).toBe('2026-07-01T07:41:00.000Z');
    expect(seenAt('2026-02-30 10:00')).toBeUndefined();
    expect(seenAt('yesterday')).toBeUndefined();
  });
});
