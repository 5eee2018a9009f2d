/** The activities the schedules' workflows run (apps/worker/src/schedule-activities.service.ts). */

/** A signed head of the audit chain (libs/persistence/src/audit-head.ts). */
export interface ScheduledAuditHead {
  id: string;
  hash: string;
  at: string;
  mac: string;
}

/** What a retention run changed, per table. */
export interface ScheduledRetentionResult {
  now: string;
  rows: Record<string, number>;
}

export interface ScheduleActivities {
  /**
   * Signs the chain's head when it moved since the last head kept, keeps it (`audit_heads`), logs it and appends it
   * to AUDIT_HEAD_FILE. Null when there is nothing new to sign, or no AUDIT_HEAD_KEY.
   */
  exportAuditHead(): Promise<ScheduledAuditHead | null>;
  /**
   * Submits the statements of reasons the Transparency Database has not accepted yet, in batches of up to 100, and
   * notes each accepted batch so that no statement is sent twice. Throws on a 5xx or a network error (retried);
   * a refusal (4xx) fails as TRANSPARENCY_DB.REFUSED.
   */
  submitStatements(): Promise<{ submitted: number; batches: number }>;
  /**
   * Sends the confirmations of receipt due (DSA Art. 16(4)), up to `limit` reports at once: each report's sender with
   * a contact gets one email (once, through the outbox), an anonymous one none; each report is then no longer due.
   */
  sendNotifierReceipts(input: { limit: number }): Promise<{ sent: number; anonymous: number }>;
  /**
   * Tells the content providers whose content was removed under a removal order (TCO Art. 11), up to `limit` orders
   * at once, by email to the customer's abuse contacts in its language; withholds it where the order says so.
   */
  informContentProviders(input: { limit: number }): Promise<{ sent: number; withheld: number }>;
  /** Runs retention with the configured policy (docs/retention.md); audited as `retention.run`. */
  runRetention(input: { workflowId: string }): Promise<ScheduledRetentionResult>;
}
