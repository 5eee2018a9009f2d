export const CATEGORIES = [
  'csam',
  'terrorist_content',
  'phishing',
  'malware',
  'spam',
  'copyright',
  'other',
] as const;
export type Category = (typeof CATEGORIES)[number];

export const SOURCE_KINDS = [
  'hotline',
  'police',
  'trusted_flagger',
  'provider',
  'public',
  'internal',
] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];
