import { DomainError, type Category, type FieldProblems, type SourceKind } from '@takedown/domain';

/** A notice as every channel hands it to intake: the shape of the native `POST /v1/notices` body. */
export interface NoticeInput {
  source: { kind: SourceKind; name: string; contact?: string };
  sourceReference: string;
  category: Category;
  urls: string[];
  ip?: string;
  observedAt?: string;
  hashes?: { sha256?: string; md5?: string; perceptual?: string };
  description?: string;
}

/** What a channel knows beyond the native body. */
export interface IntakeExtras {
  /** The reporter's own type (`content/brand_infringement`), kept as reported whatever category it maps to. */
  reportedType?: string;
  /** Hashes of evidence that was dropped (`sha256:…`): the material itself is never kept. */
  evidenceHashes?: string[];
  /** The message text, for the desk to confirm the category of a report we could not read. */
  originalText?: string;
  /** Open without a workflow: the customer's clock starts only when the desk confirms the category. */
  needsTriage?: boolean;
  channel?: IntakeChannel;
  /** What the format says beyond the native notice (X-ARF's type-specific fields), kept as reported. */
  reportDetails?: Record<string, unknown>;
  /** A host name the report names instead of an address (X-ARF's `source_identifier`): resolved at intake. */
  host?: string;
}

export type IntakeChannel =
  'api' | 'xarf' | 'mail-arf' | 'mail-xarf' | 'mail-plain' | 'mail-hotline' | 'hotline-push' | 'feed';

/** A parsed report, ready for intake. */
export interface ParsedReport {
  notice: NoticeInput;
  extras: IntakeExtras;
}

/**
 * Bad input: `field` names the field as the reporter wrote it (an X-ARF or ARF field); `fields`, when a report had
 * several faults, every one of them.
 */
export class IntakeError extends DomainError {
  constructor(message: string, field?: string, fields?: FieldProblems[]) {
    super('INTAKE.INVALID', message, field, fields);
  }
}

/** Reports may be a little ahead of our clock; beyond this a timestamp is wrong, not skewed. */
export const CLOCK_SKEW_MS = 5 * 60_000;

/** Most URLs one notice keeps (the native API's limit); a message with more goes to the desk with the text. */
export const MAX_URLS = 100;
