import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, Unique, UpdateDateColumn } from 'typeorm';
import type { Category, NoticeOutcome, NoticeState, SourceKind } from '@takedown/domain';

/** A report's own fields, as its format gave them (JSON). */
export type ReportDetails = Record<string, string | number | boolean | object | null>;

/** A notice as the abuse desk sees it. The workflow owns its life; this row is kept in step by activities. */
@Entity('notices')
@Unique('uq_notices_source_reference', ['sourceKind', 'sourceName', 'sourceReference'])
export class NoticeEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'source_kind', type: 'text' })
  sourceKind: SourceKind;

  @Column({ name: 'source_name', type: 'text' })
  sourceName: string;

  @Column({ name: 'source_reference', type: 'text' })
  sourceReference: string;

  @Column({ type: 'text' })
  category: Category;

  @Column({ type: 'text', array: true })
  urls: string[];

  @Column({ type: 'inet', nullable: true })
  ip: string | null;

  @Column({ name: 'observed_at', type: 'timestamptz', nullable: true })
  observedAt: Date | null;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt: Date;

  @Column({ type: 'text', default: 'received' })
  state: NoticeState;

  @Column({ type: 'text', nullable: true })
  outcome: NoticeOutcome | null;

  @Column({ type: 'timestamptz', nullable: true })
  deadline: Date | null;

  /** The policy in force for the customer when the notice arrived; set when the notice is attributed. */
  @Column({ name: 'policy_id', type: 'text', nullable: true })
  policyId: string | null;

  @Column({ name: 'policy_version', type: 'int', nullable: true })
  policyVersion: number | null;

  @Column({ name: 'customer_id', type: 'uuid', nullable: true })
  customerId: string | null;

  /** The reseller involved as of receipt (its prefix held the customer's), and how; null: none. */
  @Column({ name: 'reseller_id', type: 'uuid', nullable: true })
  resellerId: string | null;

  @Column({ name: 'reseller_mode', type: 'text', nullable: true })
  resellerMode: 'informed' | 'act_first' | null;

  /** Where feedback goes when the notice closes (the first reporter's contact). */
  @Column({ name: 'source_contact', type: 'text', nullable: true })
  sourceContact: string | null;

  @Column({ name: 'removed_at', type: 'timestamptz', nullable: true })
  removedAt: Date | null;

  @Column({ name: 'time_to_removal_seconds', type: 'int', nullable: true })
  timeToRemovalSeconds: number | null;

  @Column({ name: 'workflow_id', type: 'text' })
  workflowId: string;

  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" })
  hashes: Record<string, string>;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  /** The reporter's own type (`content/csem`, `arf/fraud`), kept as reported. */
  @Column({ name: 'reported_type', type: 'text', nullable: true })
  reportedType: string | null;

  /** What the report's own format says beyond the native notice (X-ARF's type-specific fields), as reported. */
  @Column({ name: 'report_details', type: 'jsonb', nullable: true })
  reportDetails: ReportDetails | null;

  /** The host name a report named instead of an address, resolved at intake (README, "Host names"). */
  @Column({ type: 'text', nullable: true })
  host: string | null;

  /** Shared by the notices one host name's addresses made, one per customer: each links to the others. */
  @Column({ name: 'host_group', type: 'uuid', nullable: true })
  hostGroup: string | null;

  /** The earlier closed notice of the same customer about the same URL or hash: this one is a repeat of it. */
  @Column({ name: 'repeat_of', type: 'uuid', nullable: true })
  repeatOf: string | null;

  /** A reported hash of the notice is on an imported hash list (`takedown import hashes`). */
  @Column({ name: 'hash_listed', type: 'boolean', default: false })
  hashListed: boolean;

  /** A plain email's text, for the desk to confirm the category (state needs_triage). */
  @Column({ name: 'original_text', type: 'text', nullable: true })
  originalText: string | null;

  @Column({ name: 'closed_at', type: 'timestamptz', nullable: true })
  closedAt: Date | null;

  /** Set by retention (docs/retention.md): URLs are host + hash, the reporter's contact and mail text are gone. */
  @Column({ name: 'anonymised_at', type: 'timestamptz', nullable: true })
  anonymisedAt: Date | null;

  /** The person the notice is assigned to (`token:<id>`, `oidc:<sub>`), and the name it had then. */
  @Column({ name: 'assigned_to', type: 'text', nullable: true })
  assignedTo: string | null;

  @Column({ name: 'assigned_to_name', type: 'text', nullable: true })
  assignedToName: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
