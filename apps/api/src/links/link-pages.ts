import { escapeHtml, type MailLanguage } from '@takedown/mail';

/** A rendered page and the status it goes out with. */
export interface LinkPage {
  status: number;
  html: string;
}

export interface ConfirmPageInput {
  language: MailLanguage;
  title: string;
  /** What the button will do, in one sentence. */
  explanation: string;
  facts: [string, string][];
  button: string;
  fields?: {
    /** A textarea; `required` for a dispute's reason. */
    text?: { name: string; label: string; required: boolean; value?: string };
    customerId?: { value?: string };
  };
  error?: string;
}

/** What a link does, with a POST form: a GET never acts, since mail scanners fetch links before people do. */
export function confirmPage(input: ConfirmPageInput, status = 200): LinkPage {
  const text = input.fields?.text;
  const customer = input.fields?.customerId;
  const body = [
    `<h1>${escapeHtml(input.title)}</h1>`,
    input.error ? `<p class="error" role="alert">${escapeHtml(input.error)}</p>` : '',
    `<p>${escapeHtml(input.explanation)}</p>`,
    facts(input.facts),
    // Posts back to this same address, which carries the token.
    '<form method="post">',
    text
      ? `<p><label for="${text.name}">${escapeHtml(text.label)}</label><br><textarea id="${text.name}" name="${text.name}" rows="6" cols="60" maxlength="5000"${text.required ? ' required' : ''}>${escapeHtml(text.value ?? '')}</textarea></p>`
      : '',
    customer
      ? `<p><label for="customerId">Customer id (UUID)</label><br><input id="customerId" name="customerId" size="40" required value="${escapeHtml(customer.value ?? '')}"></p>`
      : '',
    `<p><button type="submit">${escapeHtml(input.button)}</button></p>`,
    '</form>',
  ].join('\n');
  return { status, html: page(input.language, input.title, body) };
}

/** The end of the road: done, already used, expired, invalid, or try again later. */
export function messagePage(
  status: number,
  title: string,
  message: string,
  language: MailLanguage = 'en',
): LinkPage {
  return {
    status,
    html: page(language, title, `<h1>${escapeHtml(title)}</h1>\n<p>${escapeHtml(message)}</p>`),
  };
}

function facts(rows: [string, string][]): string {
  return `<table>${rows
    .map(([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`)
    .join('')}</table>`;
}

function page(language: MailLanguage, title: string, body: string): string {
  return [
    `<!doctype html><html lang="${language}"><head><meta charset="utf-8">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">',
    `<title>${escapeHtml(title)} – Takedown</title>`,
    '<style>body{font-family:sans-serif;max-width:40em;margin:2em auto;padding:0 1em}th{padding-right:1em}.error{color:#a00}</style>',
    `</head><body>\n${body}\n</body></html>`,
  ].join('\n');
}
