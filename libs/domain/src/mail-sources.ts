import { SOURCE_KINDS, type SourceKind } from './category';

/** A source that may send mail: who it is, and which senders speak for it. */
export interface MailSource {
  kind: SourceKind;
  name: string;
  /** Addresses (`reports@hotline.example`) or whole domains (`@hotline.example`), lower case. */
  senders: string[];
}

/**
 * Parses `kind|name|sender sender…;…` (INBOUND_MAIL_SOURCES). Returns the problem as a string so that the config
 * schema can name the variable.
 */
export function parseMailSources(spec: string): MailSource[] | string {
  const sources: MailSource[] = [];
  for (const entry of spec
    .split(';')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const [kind, name, senders, ...rest] = entry.split('|').map((p) => p.trim());
    if (rest.length || !kind || !name || !senders) return `"${entry}" is not kind|name|senders`;
    if (!(SOURCE_KINDS as readonly string[]).includes(kind))
      return `"${kind}" is not one of ${SOURCE_KINDS.join(', ')}`;
    const list = senders
      .toLowerCase()
      .split(/[\s,]+/)
      .filter(Boolean);
    const bad = list.find((s) => !/^[^\s@]*@[^\s@]+\.[^\s@]+$/.test(s));
    if (bad) return `"${bad}" is neither an address nor @domain`;
    sources.push({ kind: kind as SourceKind, name, senders: list });
  }
  return sources;
}

/** The source a sender speaks for: an exact address wins over a domain. */
export function sourceForSender(sources: MailSource[], address: string): MailSource | undefined {
  const a = address.trim().toLowerCase();
  const domain = a.slice(a.lastIndexOf('@'));
  return sources.find((s) => s.senders.includes(a)) ?? sources.find((s) => s.senders.includes(domain));
}
