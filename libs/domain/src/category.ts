export const CATEGORIES = [
  'csam',
  'terrorist_content',
  'phishing',
  'malware',
  'spam',
  'copyright',
  'other',
  // IP-based abuse: a notice about an address, often without a URL (X-ARF connection, infrastructure, reputation
  // and vulnerability reports, feedback loops, scan feeds).
  'login_attack',
  'scanning',
  'ddos',
  'web_attack',
  'botnet',
  'compromised',
  'vulnerable_service',
  'blocklisted',
] as const;
export type Category = (typeof CATEGORIES)[number];

/** The categories that are about an address's behaviour rather than material at a URL. */
export const IP_CATEGORIES = [
  'login_attack',
  'scanning',
  'ddos',
  'web_attack',
  'botnet',
  'compromised',
  'vulnerable_service',
  'blocklisted',
] as const satisfies readonly Category[];

export const SOURCE_KINDS = [
  'hotline',
  'police',
  'trusted_flagger',
  'provider',
  'public',
  'internal',
] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];
