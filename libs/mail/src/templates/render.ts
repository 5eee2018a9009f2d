/** An email ready for the Mailer: a plain-text body for every client, and HTML for those that show it. */
export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
  attachments?: MailAttachment[];
}

/** A file sent with an email, e.g. a formal letter as PDF. */
export interface MailAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Everything that came from outside (URLs, references, names) goes through this before it reaches HTML. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

export type MailLanguage = 'nl' | 'en';

/**
 * A moment as the reader's clock shows it, with the zone named so that nobody has to guess
 * (`vrijdag 20 november 2026 om 10:14 (Europe/Amsterdam)`).
 */
export function formatInstant(at: Date | string, timeZone: string, language: MailLanguage = 'en'): string {
  return `${instantFormat(language, timeZone).format(new Date(at))} (${timeZone})`;
}

/**
 * Building an `Intl.DateTimeFormat` costs far more than formatting with one (its locale and zone data are looked up
 * each time), and every notice email formats several moments: one per language and zone, kept for the process. The
 * zones are IANA names, a bounded set; a name the runtime refuses throws here as before and is not kept.
 */
const instantFormats = new Map<string, Intl.DateTimeFormat>();

function instantFormat(language: MailLanguage, timeZone: string): Intl.DateTimeFormat {
  const key = `${language} ${timeZone}`;
  let format = instantFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(language === 'nl' ? 'nl-NL' : 'en-GB', {
      dateStyle: 'full',
      timeStyle: 'short',
      timeZone,
    });
    instantFormats.set(key, format);
  }
  return format;
}

/** One labelled line in both bodies. */
export interface Field {
  label: string;
  value: string | string[];
}

/** A link (or API route) offered to the reader. */
export interface Action {
  label: string;
  url: string;
}

/** Lays out paragraphs, fields and actions the same way in text and in escaped HTML. */
export function layout(parts: {
  subject: string;
  intro: string[];
  fields: Field[];
  actionsTitle?: string;
  actions?: Action[];
  outro?: string[];
}): RenderedEmail {
  const values = (v: string | string[]) => (Array.isArray(v) ? v : [v]);
  const text = [
    ...parts.intro.flatMap((p) => [p, '']),
    ...parts.fields.flatMap((f) => {
      const [first, ...rest] = values(f.value);
      return [`${f.label}: ${first ?? ''}`, ...rest.map((v) => `  ${v}`)];
    }),
    '',
    ...(parts.actions?.length
      ? [parts.actionsTitle ?? '', ...parts.actions.flatMap((a) => [`- ${a.label}:`, `  ${a.url}`]), '']
      : []),
    ...(parts.outro ?? []).flatMap((p) => [p, '']),
  ]
    .join('\n')
    .trimEnd();
  const html = [
    '<!doctype html><html><head><meta charset="utf-8"></head><body style="font-family:sans-serif">',
    ...parts.intro.map((p) => `<p>${escapeHtml(p)}</p>`),
    '<table>',
    ...parts.fields.map(
      (f) =>
        `<tr><th align="left" valign="top">${escapeHtml(f.label)}</th><td>${values(f.value)
          .map(escapeHtml)
          .join('<br>')}</td></tr>`,
    ),
    '</table>',
    ...(parts.actions?.length
      ? [
          `<p>${escapeHtml(parts.actionsTitle ?? '')}</p><ul>`,
          ...parts.actions.map((a) => `<li><a href="${escapeHtml(a.url)}">${escapeHtml(a.label)}</a></li>`),
          '</ul>',
        ]
      : []),
    ...(parts.outro ?? []).map((p) => `<p>${escapeHtml(p)}</p>`),
    '</body></html>',
  ].join('\n');
  return { subject: parts.subject, text, html };
}
