import { SOURCE_KINDS, type SourceKind } from './category';
import { Cidr, IpAddress } from './cidr';

/** A source that may send mail: who it is, which senders speak for it, and where its mail may come from. */
export interface MailSource {
  kind: SourceKind;
  name: string;
  /** Addresses (`reports@hotline.example`) or whole domains (`@hotline.example`), lower case. */
  senders: string[];
  /** The networks its mail must come from (the SMTP client's address); empty: any. */
  ranges: Cidr[];
}

/**
 * Parses `kind|name|sender sender…[|cidr cidr…];…` (INBOUND_MAIL_SOURCES). Returns the problem as a string so that
 * the config schema can name the variable.
 */
export function parseMailSources(spec: string): MailSource[] | string {
  const sources: MailSource[] = [];
  for (const entry of spec
    .split(';')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const [kind, name, senders, ranges, ...rest] = entry.split('|').map((p) => p.trim());
    if (rest.length || !kind || !name || !senders) return `"${entry}" is not kind|name|senders[|ranges]`;
    if (!(SOURCE_KINDS as readonly string[]).includes(kind))
      return `"${kind}" is not one of ${SOURCE_KINDS.join(', ')}`;
    const list = senders
      .toLowerCase()
      .split(/[\s,]+/)
      .filter(Boolean);
    const bad = list.find((s) => !/^[^\s@]*@[^\s@]+\.[^\s@]+$/.test(s));
    if (bad) return `"${bad}" is neither an address nor @domain`;
    const cidrs: Cidr[] = [];
    for (const range of (ranges ?? '').split(/[\s,]+/).filter(Boolean)) {
      try {
        cidrs.push(Cidr.parse(range));
      } catch (err) {
        return (err as Error).message;
      }
    }
    sources.push({ kind: kind as SourceKind, name, senders: list, ranges: cidrs });
  }
  return sources;
}

/** The source a sender speaks for: an exact address wins over a domain. */
export function sourceForSender(sources: MailSource[], address: string): MailSource | undefined {
  const a = address.trim().toLowerCase();
  const domain = a.slice(a.lastIndexOf('@'));
  return sources.find((s) => s.senders.includes(a)) ?? sources.find((s) => s.senders.includes(domain));
}

/** Whether mail from `clientIp` may speak for the source: anywhere when it lists no ranges, else inside one. */
export function fromSourceRanges(source: MailSource, clientIp: string | undefined): boolean {
  if (!source.ranges.length) return true;
  if (!clientIp) return false;
  let address: IpAddress;
  try {
    address = IpAddress.parse(clientIp);
  } catch {
    return false;
  }
  return source.ranges.some((range) => range.contains(address));
}
