import type { LinkKey } from '@takedown/links';

/** What the activities need from the configuration, as a class so Nest can inject it. */
export class WorkerSettings {
  constructor(
    readonly mailFrom: string,
    readonly abuseDeskEmail: string,
    readonly publicBaseUrl: string,
    /** The timer policy for customers without a contract, and for notices nobody holds the address of. */
    readonly defaultPolicyProfile: string,
    readonly abuseLeadEmail: string,
    readonly nocEmail: string,
    /** The first signs the links in emails (see @takedown/links). */
    readonly linkKeys: readonly LinkKey[],
    /** How long a link in an email stays valid. */
    readonly linkTtlMs: number,
  ) {}
}
