import type { DigestedTerminationReport, ReportNotice } from './termination-report';

const MARGIN = 50;
const INK = '#1a1a1a';
const MUTED = '#666666';
const RULE = '#cccccc';
const MET = '#2e7d32';
const MISSED = '#c62828';
const DAY_MS = 86_400_000;

/** The standard PDF fonts know WinAnsi only: arrows and the like would print as garbage. */
const plain = (text: string) => text.replace(/→/g, '->').replace(/[^\x20-\x7e\u00a0-\u00ff\n]/g, '?');
const day = (iso: string | null) => (iso ? iso.slice(0, 16).replace('T', ' ') + ' UTC' : '-');
const hours = (seconds: number | null) =>
  seconds === null
    ? '-'
    : seconds < 3600
      ? `${Math.round(seconds / 60)} min`
      : `${(seconds / 3600).toFixed(1)} h`;

/**
 * The termination report for people: a title page, a summary with a chart of the customer's notices (time to removal
 * against the deadline), the notices, the timeline and the decision log. Rendered from the digested JSON of the same
 * snapshot, so the PDF shows exactly what the digest covers and prints that digest.
 */
export async function renderTerminationPdf(report: DigestedTerminationReport): Promise<Buffer> {
  // pdfkit is loaded with the first document (about an eighth of a second), not by every process that imports this.
  const { default: PDFDocument } = await import('pdfkit');
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    bufferPages: true,
    info: {
      Title: `Termination report ${report.customer.reference}`,
      Subject: `Termination case ${report.case.id}`,
      Creator: 'Takedown',
      CreationDate: new Date(report.generatedAt),
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  titlePage(doc, report);
  doc.addPage();
  summary(doc, report);
  chart(doc, report.notices);
  doc.addPage();
  noticeTable(doc, report.notices);
  doc.addPage();
  heading(doc, 'Timeline of the case');
  table(
    doc,
    [
      { title: 'When', width: 110 },
      { title: 'Step', width: 110 },
      { title: 'Who', width: 110 },
      { title: 'Why', width: 165 },
    ],
    report.timeline.map((e) => [day(e.at), e.type, e.actor, e.reason ?? '']),
  );
  doc.moveDown();
  heading(doc, 'Standing history');
  table(
    doc,
    [
      { title: 'When', width: 110 },
      { title: 'Event', width: 90 },
      { title: 'Level', width: 130 },
      { title: 'Who / why', width: 165 },
    ],
    report.standing.history.map((h) => [
      day(h.at),
      h.type,
      h.level === h.previousLevel ? h.level : `${h.previousLevel} -> ${h.level}`,
      [h.actor, h.reason].filter(Boolean).join(': '),
    ]),
  );
  doc.addPage();
  heading(doc, 'Decision log');
  table(
    doc,
    [
      { title: 'When', width: 105 },
      { title: 'Who', width: 100 },
      { title: 'Decision', width: 115 },
      { title: 'About', width: 70 },
      { title: 'Why', width: 105 },
    ],
    report.decisions.map((d) => [day(d.at), d.by, d.decision, d.subject, d.why ?? '']),
  );
  if (report.appeals?.length) {
    heading(doc, 'Appeals');
    table(
      doc,
      [
        { title: 'Filed', width: 105 },
        { title: 'Contests', width: 100 },
        { title: 'Decided by', width: 90 },
        { title: 'Outcome', width: 95 },
        { title: 'Why', width: 105 },
      ],
      report.appeals.map((a) => [
        day(a.filedAt),
        `${a.kind}: ${a.subject}`,
        a.decidedBy,
        a.reviewedBy ? `${a.status} by ${a.reviewedBy}` : a.status,
        a.reviewReason ?? a.reason,
      ]),
    );
  }
  footers(doc, report);
  doc.end();
  return done;
}

function titlePage(doc: PDFKit.PDFDocument, r: DigestedTerminationReport): void {
  doc.moveDown(6).fillColor(MUTED).fontSize(12).text('TAKEDOWN - REPORT FOR LEGAL', { characterSpacing: 1 });
  doc.moveDown(0.5).fillColor(INK).fontSize(28).text('Termination of contract');
  doc
    .moveDown(0.3)
    .fontSize(18)
    .text(plain(`${r.customer.name} (${r.customer.reference})`));
  doc.moveDown(2);
  const facts: [string, string][] = [
    ['Case', r.case.id],
    ['Status', r.case.status],
    ['Opened', `${day(r.case.openedAt)} by ${r.case.openedBy}`],
    ['Reason', r.case.reason],
    ['Takes effect', day(r.case.effectiveAt)],
    ['Closed', day(r.case.closedAt)],
    ['Customer status', r.customer.status],
    ['Generated', day(r.generatedAt)],
    ['Snapshot', r.snapshotId],
  ];
  keyValues(doc, facts);
  doc
    .moveDown(3)
    .fontSize(10)
    .fillColor(MUTED)
    .text('SHA-256 digest over the canonical JSON of this snapshot (its report.json "digest"):');
  doc.moveDown(0.3).font('Courier').fontSize(9).fillColor(INK).text(r.digest.value);
  doc.font('Helvetica').moveDown(0.5).fontSize(9).fillColor(MUTED);
  doc.text(
    'This PDF and the JSON of the same snapshot are signed together (Ed25519, keys at /.well-known/takedown-keys). ' +
      'Verify either file with: npm run takedown -- verify-report FILE --keys JWKS. This report contains no ' +
      'reported content: URLs appear only as host and SHA-256 of their path.',
  );
}

function summary(doc: PDFKit.PDFDocument, r: DigestedTerminationReport): void {
  heading(doc, 'Summary');
  const s = r.summary;
  keyValues(doc, [
    ['Notices', String(s.notices)],
    ['Deadline met', String(s.deadlinesMet)],
    ['Deadline missed', String(s.deadlinesMissed)],
    ['Still open', String(s.open)],
    ['Median time to removal', hours(s.medianTimeToRemovalSeconds)],
    ...Object.entries(s.byOutcome).map(([k, v]): [string, string] => [`Outcome: ${k}`, String(v)]),
    ['Standing', r.standing.level],
    [
      'Statement of reasons',
      r.statementsOfReasons.length
        ? r.statementsOfReasons
            .map((s) => `${day(s.issuedAt)}: ${s.snapshotId} (sha256 ${s.digest})`)
            .join('\n')
        : 'none issued',
    ],
    [
      'Contract',
      r.contract
        ? `${r.customer.contractType} since ${r.contract.startsOn}; notice period ${r.contract.noticePeriodDays} days` +
          (r.contract.immediateTerminationForIllegalContent ? '; immediate for illegal content' : '')
        : 'none on record',
    ],
  ]);
  doc.moveDown();
}

/** Each notice at its arrival: a dot at its time to removal (green in time, red late), a grey tick at its deadline. */
function chart(doc: PDFKit.PDFDocument, notices: ReportNotice[]): void {
  heading(doc, 'Notices over time: time to removal against the deadline');
  if (!notices.length) {
    doc.fontSize(10).fillColor(MUTED).text('No notices on record for this customer.').moveDown();
    return;
  }
  const x0 = MARGIN + 40;
  const width = doc.page.width - 2 * MARGIN - 50;
  const y0 = doc.y + 10;
  const height = 180;
  const times = notices.map((n) => Date.parse(n.receivedAt));
  const deadlineHours = (n: ReportNotice) =>
    n.deadline ? (Date.parse(n.deadline) - Date.parse(n.receivedAt)) / 3_600_000 : 0;
  const values = notices.flatMap((n) => [deadlineHours(n), (n.timeToRemovalSeconds ?? 0) / 3600]);
  const maxH = Math.max(1, ...values) * 1.1;
  // A little room either side so that the first and last notice do not sit on the frame.
  const spread = Math.max(...times) - Math.min(...times) || DAY_MS;
  const minT = Math.min(...times) - spread * 0.03;
  const maxT = Math.max(...times) + spread * 0.03;
  const x = (t: number) => x0 + ((t - minT) / (maxT - minT)) * width;
  const y = (h: number) => y0 + height - (Math.min(h, maxH) / maxH) * height;

  doc.save().strokeColor(RULE).lineWidth(0.5);
  for (let i = 0; i <= 4; i++) {
    const h = (maxH / 4) * i;
    doc
      .moveTo(x0, y(h))
      .lineTo(x0 + width, y(h))
      .stroke();
    doc
      .fillColor(MUTED)
      .fontSize(7)
      .text(`${h.toFixed(h < 10 ? 1 : 0)} h`, MARGIN, y(h) - 3, { width: 35, align: 'right' });
  }
  doc
    .strokeColor(INK)
    .moveTo(x0, y0)
    .lineTo(x0, y0 + height)
    .lineTo(x0 + width, y0 + height)
    .stroke();
  for (const n of notices) {
    const cx = x(Date.parse(n.receivedAt));
    if (n.deadline)
      doc
        .strokeColor(MUTED)
        .lineWidth(1.5)
        .moveTo(cx - 4, y(deadlineHours(n)))
        .lineTo(cx + 4, y(deadlineHours(n)))
        .stroke();
    if (n.timeToRemovalSeconds !== null) {
      doc
        .fillColor(n.deadlineMet === false ? MISSED : MET)
        .circle(cx, y(n.timeToRemovalSeconds / 3600), 3)
        .fill();
    } else {
      // Never removed: drawn at the top, hollow.
      doc
        .strokeColor(MISSED)
        .lineWidth(1)
        .circle(cx, y0 + 3, 3)
        .stroke();
    }
  }
  doc.restore();
  doc.fillColor(MUTED).fontSize(7);
  doc.text(day(new Date(minT).toISOString()), x0, y0 + height + 4);
  doc.text(day(new Date(maxT).toISOString()), x0 + width - 100, y0 + height + 4, {
    width: 100,
    align: 'right',
  });
  doc.text(
    'green: removed in time - red: removed late - hollow red: not removed - grey tick: deadline',
    MARGIN,
    y0 + height + 18,
  );
  doc.x = MARGIN;
  doc.y = y0 + height + 36;
}

function noticeTable(doc: PDFKit.PDFDocument, notices: ReportNotice[]): void {
  heading(doc, 'Every notice');
  table(
    doc,
    [
      { title: 'Received', width: 95 },
      { title: 'Category / source', width: 90 },
      { title: 'Notified / escalated', width: 95 },
      { title: 'Removed', width: 80 },
      { title: 'Deadline', width: 55 },
      { title: 'Outcome', width: 80 },
    ],
    notices.map((n) => [
      `${day(n.receivedAt)}\n${n.id.slice(0, 8)}`,
      `${n.category}\n${n.source.kind}: ${n.source.name}`,
      `${day(n.notifiedAt)}${n.remindedAt.length ? `\n${n.remindedAt.length} reminder(s)` : ''}${n.escalatedAt ? `\nesc. ${day(n.escalatedAt)}` : ''}`,
      `${day(n.removedAt)}\n${hours(n.timeToRemovalSeconds)}`,
      n.deadlineMet === null ? 'open' : n.deadlineMet ? 'met' : 'MISSED',
      `${n.outcome ?? 'open'}${n.customerAnswers.length ? `\n${n.customerAnswers.map((a) => a.type).join(', ')}` : ''}`,
    ]),
  );
}

function heading(doc: PDFKit.PDFDocument, text: string): void {
  doc.x = MARGIN;
  doc.fillColor(INK).font('Helvetica-Bold').fontSize(14).text(text).font('Helvetica').moveDown(0.5);
}

function keyValues(doc: PDFKit.PDFDocument, rows: [string, string][]): void {
  for (const [k, v] of rows) {
    const y = doc.y;
    doc.fillColor(MUTED).fontSize(10).text(k, MARGIN, y, { width: 150 });
    doc.fillColor(INK).text(plain(v), MARGIN + 160, y, { width: doc.page.width - 2 * MARGIN - 160 });
    doc.y = Math.max(doc.y, y + 14) + 2;
  }
  doc.x = MARGIN;
}

/** A table that breaks across pages and repeats its header. */
function table(doc: PDFKit.PDFDocument, columns: { title: string; width: number }[], rows: string[][]): void {
  const header = () => {
    let x = MARGIN;
    const y = doc.y;
    doc.font('Helvetica-Bold').fontSize(8).fillColor(INK);
    for (const c of columns) {
      doc.text(c.title, x, y, { width: c.width - 6 });
      x += c.width;
    }
    doc.font('Helvetica');
    doc.y = y + 14;
    doc
      .strokeColor(INK)
      .lineWidth(0.5)
      .moveTo(MARGIN, doc.y - 3)
      .lineTo(MARGIN + columns.reduce((s, c) => s + c.width, 0), doc.y - 3)
      .stroke();
  };
  header();
  if (!rows.length) doc.fontSize(8).fillColor(MUTED).text('none', MARGIN, doc.y);
  for (const row of rows) {
    doc.fontSize(8);
    const rowHeight =
      Math.max(...row.map((cell, i) => doc.heightOfString(plain(cell), { width: columns[i].width - 6 }))) + 6;
    if (doc.y + rowHeight > doc.page.height - MARGIN - 20) {
      doc.addPage();
      header();
    }
    let x = MARGIN;
    const y = doc.y;
    row.forEach((cell, i) => {
      doc
        .fillColor(cell === 'MISSED' ? MISSED : INK)
        .text(plain(cell), x, y, { width: columns[i].width - 6 });
      x += columns[i].width;
    });
    doc.y = y + rowHeight;
    doc
      .strokeColor(RULE)
      .lineWidth(0.3)
      .moveTo(MARGIN, doc.y - 3)
      .lineTo(MARGIN + columns.reduce((s, c) => s + c.width, 0), doc.y - 3)
      .stroke();
  }
  doc.x = MARGIN;
}

function footers(doc: PDFKit.PDFDocument, r: DigestedTerminationReport): void {
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    // Below the bottom margin pdfkit would start a new page for the footer: lift the margin while writing it.
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc.fontSize(7).fillColor(MUTED);
    doc.text(
      `Termination case ${r.case.id} - ${plain(r.customer.reference)} - page ${i + 1} of ${range.count} - sha256 ${r.digest.value.slice(0, 16)}...`,
      MARGIN,
      doc.page.height - MARGIN + 15,
      { width: doc.page.width - 2 * MARGIN, align: 'center', lineBreak: false },
    );
    doc.page.margins.bottom = bottom;
  }
}
