export interface LetterPdfInput {
  /** Who writes: the provider's name, printed as the letterhead. */
  sender: string;
  /** The letter's date, as the reader should see it. */
  date: string;
  title: string;
  paragraphs: string[];
  fields: { label: string; value: string }[];
  closing: string[];
  /** Document metadata. */
  subject: string;
}

const MARGIN = 60;
const INK = '#1a1a1a';
const MUTED = '#666666';

/** The standard PDF fonts know WinAnsi only: anything else would print as garbage. */
const plain = (text: string) => text.replace(/→/g, '->').replace(/[^\x20-\x7e\u00a0-\u00ff\n]/g, '?');

/**
 * A formal letter as a one-page (or longer) A4 PDF: letterhead, date, title, body, the case's facts as a small
 * table, closing. The same words as the email it is attached to, so the two can never say different things.
 */
export async function renderLetterPdf(input: LetterPdfInput): Promise<Buffer> {
  // pdfkit is loaded with the first document (about an eighth of a second), not by every process that imports this.
  const { default: PDFDocument } = await import('pdfkit');
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    info: { Title: plain(input.title), Subject: plain(input.subject), Creator: 'Takedown' },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const width = doc.page.width - 2 * MARGIN;

  doc.font('Helvetica-Bold').fontSize(14).fillColor(INK).text(plain(input.sender), { width });
  doc.font('Helvetica').fontSize(10).fillColor(MUTED).text(plain(input.date), { width, align: 'right' });
  doc.moveDown(2);
  doc.font('Helvetica-Bold').fontSize(13).fillColor(INK).text(plain(input.title), { width });
  doc.moveDown();
  doc.font('Helvetica').fontSize(11);
  for (const p of input.paragraphs) doc.text(plain(p), { width, align: 'left' }).moveDown(0.8);
  doc.moveDown(0.5);
  const labelWidth = 110;
  for (const f of input.fields) {
    const y = doc.y;
    doc.font('Helvetica-Bold').fillColor(MUTED).text(plain(f.label), MARGIN, y, { width: labelWidth });
    const afterLabel = doc.y;
    doc
      .font('Helvetica')
      .fillColor(INK)
      .text(plain(f.value), MARGIN + labelWidth, y, { width: width - labelWidth });
    doc.y = Math.max(afterLabel, doc.y) + 4;
  }
  doc.x = MARGIN;
  doc.moveDown();
  for (const c of input.closing) doc.font('Helvetica').fillColor(INK).text(plain(c), { width }).moveDown(0.5);
  doc.end();
  return done;
}
