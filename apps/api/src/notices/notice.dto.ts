import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsDefined,
  ValidateIf,
  IsArray,
  IsBoolean,
  IsIn,
  IsIP,
  IsObject,
  IsISO8601,
  IsOptional,
  IsString,
  IsUrl,
  IsUUID,
  Matches,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';
import {
  CATEGORIES,
  NOTICE_OUTCOMES,
  NOTICE_STATES,
  SOURCE_KINDS,
  type Category,
  type NoticeOutcome,
  type NoticeState,
  type SourceKind,
} from '@takedown/domain';
import { PageQuery } from '../common/page-query';

export class NoticeSourceDto {
  @ApiProperty({ enum: SOURCE_KINDS, example: 'hotline' })
  @IsIn(SOURCE_KINDS)
  kind: SourceKind;

  @ApiProperty({ example: 'Example Hotline', description: 'The reporting organisation or person' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @ApiPropertyOptional({
    example: 'reports@hotline.example',
    description: 'Where feedback goes when the notice closes',
  })
  @IsOptional()
  @IsString()
  @MaxLength(320)
  contact?: string;

  @ApiPropertyOptional({
    example: 'ACM-TF-2025-007',
    description:
      'A trusted flagger’s designation reference (DSA Art. 22), as the Digital Services Coordinator gave it. ' +
      'Required with kind trusted_flagger where the body names the source; with a `source` token, the token’s',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  designationReference?: string;

  @ApiPropertyOptional({
    example: 'ACM (NL)',
    description:
      'The Digital Services Coordinator that designated the trusted flagger (DSA Art. 22); required with ' +
      'designationReference',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  designatingAuthority?: string;
}

export class NoticeHashesDto {
  @ApiPropertyOptional({ example: '4f6d0b1c9a7e2d35b8c0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6' })
  @IsOptional()
  @Matches(/^[0-9a-f]{64}$/i, { message: 'sha256 must be 64 hexadecimal characters' })
  sha256?: string;

  @ApiPropertyOptional({ example: '9e107d9d372bb6826bd81d3542a419d6' })
  @IsOptional()
  @Matches(/^[0-9a-f]{32}$/i, { message: 'md5 must be 32 hexadecimal characters' })
  md5?: string;

  @ApiPropertyOptional({ description: 'A perceptual hash (PhotoDNA-like), kept as an opaque string' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  perceptual?: string;
}

export class CreateNoticeDto {
  @ApiProperty({ type: NoticeSourceDto })
  // ValidateNested alone lets a missing object through.
  @IsObject()
  @ValidateNested()
  @Type(() => NoticeSourceDto)
  source: NoticeSourceDto;

  @ApiProperty({
    example: 'hotline-nl-2026-000417',
    description: 'The source’s own id; the same reference twice is the same notice',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  sourceReference: string;

  @ApiProperty({ enum: CATEGORIES, example: 'csam' })
  @IsIn(CATEGORIES)
  category: Category;

  @ApiProperty({
    type: [String],
    example: ['https://files.tenant-a.example/gallery/8f1c2e'],
    description:
      'At least one, unless `ip` is given: a notice about an address (IP-based abuse) may have none',
  })
  // A notice is about a URL or, without one, about its address.
  @ValidateIf((n: CreateNoticeDto) => !n.ip || !Array.isArray(n.urls) || n.urls.length > 0)
  @IsArray()
  @ArrayMinSize(1, { message: 'urls must hold at least one URL, or ip must be given' })
  @ArrayMaxSize(100)
  @IsUrl({ require_protocol: true, require_tld: false, protocols: ['http', 'https', 'ftp'] }, { each: true })
  urls: string[] = [];

  @ApiPropertyOptional({
    example: '198.51.100.23',
    description: 'IPv4 or IPv6 address; without one, the first URL’s host name is resolved at intake',
  })
  @IsOptional()
  @IsIP()
  ip?: string;

  @ApiPropertyOptional({ example: '2026-11-20T08:14:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true })
  observedAt?: string;

  @ApiPropertyOptional({ type: NoticeHashesDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => NoticeHashesDto)
  hashes?: NoticeHashesDto;

  @ApiPropertyOptional({ example: 'Reported by analyst A-177', maxLength: 5000 })
  @IsOptional()
  @IsString()
  @MaxLength(5000)
  description?: string;
}

export const NOTICE_ACTIONS = [
  'confirm-removal',
  'still-online',
  'customer-response',
  'attribute',
  'reopen',
  'reject-invalid',
  'escalate-now',
  'withdraw',
  'add-note',
] as const;
export type NoticeAction = (typeof NOTICE_ACTIONS)[number];

/** The body of `POST /v1/notices/:id/actions/:action`; which fields are required depends on the action. */
export class NoticeActionDto {
  @ApiPropertyOptional({
    example: 'desk:j.devries',
    deprecated: true,
    description:
      'Ignored: the actor is the signed-in principal (token, OIDC subject). Kept so that older clients still work.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  by?: string;

  @ApiPropertyOptional({
    example: 'Checked by the hotline at 10:12',
    description: 'Why; required for reject-invalid, withdraw, add-note (the note)',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(5000)
  reason?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'attribute: the customer the notice belongs to' })
  @IsOptional()
  @IsUUID()
  customerId?: string;

  @ApiPropertyOptional({
    enum: ['removed', 'dispute'],
    description: 'customer-response: what the customer says',
  })
  @IsOptional()
  @IsIn(['removed', 'dispute'])
  kind?: 'removed' | 'dispute';
}

export class NoticeEventView {
  @ApiProperty() type: string;
  @ApiProperty() actor: string;
  @ApiPropertyOptional({ nullable: true, type: String }) reason: string | null;
  @ApiProperty() occurredAt: string;
  @ApiProperty({ type: Object }) data: Record<string, unknown>;
}

export class NoticeReportView {
  @ApiProperty({ enum: SOURCE_KINDS }) kind: SourceKind;
  @ApiProperty() name: string;
  @ApiProperty() sourceReference: string;
  @ApiProperty() receivedAt: string;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    example: 'ACM-TF-2025-007',
    description:
      'A trusted flagger’s designation reference (DSA Art. 22) as of receipt; null for other sources',
  })
  designationReference: string | null;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    example: 'ACM (NL)',
    description: 'The Digital Services Coordinator that had designated it, as of receipt',
  })
  designatingAuthority: string | null;
}

export class PendingTaskView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() kind: string;
  @ApiProperty() assignee: string;
  @ApiProperty() dueAt: string;
  @ApiProperty() summary: string;
}

export class BreachForecastView {
  @ApiProperty({
    description:
      'The customer has not acted (no removal claim, no dispute) and less time is left than it typically takes to ' +
      'remove: the notice is expected to miss its deadline',
  })
  willMiss: boolean;
  @ApiProperty({
    description: 'The median time from receipt to removal of the removals it goes by',
    example: 21600,
  })
  typicalSeconds: number;
  @ApiProperty({
    enum: ['customer', 'category'],
    description: 'Whose removals: this customer’s in this category, or (too few of those) every customer’s',
  })
  basis: 'customer' | 'category';
  @ApiProperty({ description: 'How many removals of the last 90 days the median is of', example: 12 })
  removals: number;
}

export class NoticeSummaryView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ type: NoticeSourceDto }) source: { kind: SourceKind; name: string };
  @ApiProperty() sourceReference: string;
  @ApiProperty({ enum: CATEGORIES }) category: Category;
  @ApiProperty({ type: [String] }) urls: string[];
  @ApiPropertyOptional({ nullable: true, type: String }) ip: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'uuid' }) customerId: string | null;
  @ApiProperty({ enum: NOTICE_STATES }) state: NoticeState;
  @ApiPropertyOptional({ enum: NOTICE_OUTCOMES, nullable: true }) outcome: NoticeOutcome | null;
  @ApiProperty() receivedAt: string;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'Null until the notice is attributed' })
  deadline: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) closedAt: string | null;
  @ApiPropertyOptional({ nullable: true, type: Number }) timeToRemovalSeconds: number | null;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    example: 'default@1',
    description: 'Pinned when attributed',
  })
  policy: string | null;
  @ApiProperty({ example: 'notice-0b6c…' }) workflowId: string;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    example: 'oidc:4b1f0c2e-desk-j.devries',
    description: 'The person the notice is assigned to (a subject of GET /v1/people)',
  })
  assignedTo: string | null;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    example: 'J. de Vries',
    description: 'Their name then',
  })
  assignedToName: string | null;
  @ApiPropertyOptional({
    type: BreachForecastView,
    nullable: true,
    description:
      'Staff reads of open notices: will it miss its deadline, going by past removals (null: no running clock on ' +
      'the customer, the deadline passed, or too little history)',
  })
  forecast?: BreachForecastView | null;
}

export class NoticeView extends NoticeSummaryView {
  @ApiProperty({ type: [NoticeReportView], description: 'Every report this notice stands for' })
  reports: NoticeReportView[];
  @ApiProperty({ type: [PendingTaskView] }) pendingTasks: PendingTaskView[];
  @ApiProperty({ type: [NoticeEventView] }) timeline: NoticeEventView[];
  @ApiPropertyOptional({ nullable: true, type: String, description: 'The reporter’s own type, as reported' })
  reportedType: string | null;
  @ApiPropertyOptional({
    nullable: true,
    type: 'object',
    additionalProperties: true,
    description:
      'What the report’s format says beyond the notice, as reported: X-ARF’s type-specific fields ' +
      '(`infringing_url`, `destination_port`…), a hotline’s first and last seen',
  })
  reportDetails: Record<string, unknown> | null;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'A plain email’s text, for triage' })
  originalText: string | null;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    description:
      'The host name the report named instead of an address, resolved at intake (see the timeline)',
  })
  host: string | null;
  @ApiProperty({
    type: [String],
    description: 'The other notices the same host name made, its addresses being at other customers',
  })
  linkedNotices: string[];
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    format: 'uuid',
    description:
      'The earlier closed notice of the customer about the same URL or hash: this notice is a repeat',
  })
  repeatOf: string | null;
  @ApiProperty({ description: 'A reported hash is on an imported hash list (`takedown import hashes`)' })
  hashListed: boolean;
}

const SORTS = ['received_at', '-received_at', 'deadline', '-deadline', 'time_left'] as const;

export class NoticeListQuery extends PageQuery {
  @ApiPropertyOptional({ enum: NOTICE_STATES, description: 'The state' })
  @IsOptional()
  @IsIn(NOTICE_STATES)
  status?: NoticeState;

  @ApiPropertyOptional({ enum: CATEGORIES })
  @IsOptional()
  @IsIn(CATEGORIES)
  category?: Category;

  @ApiPropertyOptional({ format: 'uuid', description: 'Customer id' })
  @IsOptional()
  @IsUUID()
  customer?: string;

  @ApiPropertyOptional({ description: 'Only open notices past their deadline' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  overdue?: boolean;

  @ApiPropertyOptional({ description: 'Source name (e.g. "Example Hotline")' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  source?: string;

  @ApiPropertyOptional({
    example: 'me',
    description: 'Only the notices assigned to this person: `me` (the caller) or a subject of GET /v1/people',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(300)
  assignee?: string;

  @ApiPropertyOptional({ description: 'Only notices the customer answered (claimed a removal, or disputed)' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  customerReplied?: boolean;

  @ApiPropertyOptional({
    description:
      'Only repeats (`true`: the same URL or hash back at the customer after a closed notice), or none',
  })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  repeat?: boolean;

  @ApiPropertyOptional({
    description:
      'Search, whatever it is (`198.51.100.0/24`, `files.tenant-a.example`, `gallery/8f1c`, a reference): an IP ' +
      'address or CIDR prefix (the notice’s address inside it), an MD5, SHA-1 or ' +
      'SHA-256 (the notice’s hashes), otherwise a fragment of a URL or host (at least 3 characters) or a source’s ' +
      'reference. A role that may not read CSAM URLs in full finds CSAM notices by their host only.',
    example: '198.51.100.0/24',
    maxLength: 500,
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  q?: string;

  @ApiPropertyOptional({
    enum: SORTS,
    default: '-received_at',
    description:
      '`time_left`: the queue order, open notices by their legal clock (deadline first, those without one last), ' +
      'closed notices after them',
  })
  @IsOptional()
  @IsIn(SORTS)
  sort?: (typeof SORTS)[number];
}

export class NoticePage {
  @ApiProperty({ type: [NoticeSummaryView] }) items: NoticeSummaryView[];
  @ApiProperty() total: number;
  @ApiProperty() limit: number;
  @ApiProperty() offset: number;
}

export const BULK_ACTIONS = [
  'confirm-removal',
  'escalate-now',
  'reject-invalid',
  'add-note',
  'assign',
] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];
export const BULK_MAX = 200;

/** The body of `POST /v1/notices/bulk-actions`: one action on many notices, each as its single route would. */
export class BulkActionDto {
  @ApiProperty({ enum: BULK_ACTIONS, example: 'escalate-now' })
  @IsIn(BULK_ACTIONS)
  action: BulkAction;

  @ApiProperty({
    type: [String],
    format: 'uuid',
    maxItems: BULK_MAX,
    example: ['0b6c2f0e-8a1d-4c3b-9f7e-2d5a6b7c8d9e', '5f1e7a3c-2b4d-4e6f-8a9b-0c1d2e3f4a5b'],
  })
  @ArrayMinSize(1)
  @ArrayMaxSize(BULK_MAX)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  noticeIds: string[];

  @ApiPropertyOptional({
    example: 'Checked by the desk: the page is gone on all three',
    description: 'Why; required for reject-invalid. For add-note the note (or give it as `note`)',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(5000)
  reason?: string;

  @ApiPropertyOptional({
    example: 'Customer called back; removal under way',
    description: 'add-note: the note',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(5000)
  note?: string;

  @ApiPropertyOptional({
    nullable: true,
    type: String,
    example: 'oidc:4b1f0c2e-desk-j.devries',
    description: 'assign: a person’s subject (GET /v1/people), or null to take the assignment away',
  })
  @ValidateIf((o: BulkActionDto) => o.action === 'assign')
  @IsDefined({ message: 'assignee is required for assign (null to unassign)' })
  @ValidateIf((_, value) => value !== null)
  @IsString()
  @MaxLength(300)
  assignee?: string | null;
}

export class BulkActionResult {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({
    enum: ['done', 'conflict', 'not_found', 'failed'],
    description:
      '`done`: carried out (`state` is the notice’s new state); `conflict`: refused as the single route would ' +
      'answer 409 (`code`, `message`, `state`); `not_found`: no such notice, or one the caller may not see; ' +
      '`failed`: not carried out for another reason (`code`, e.g. TEMPORAL.UNAVAILABLE: retry it)',
  })
  status: 'done' | 'conflict' | 'not_found' | 'failed';
  @ApiPropertyOptional({ enum: NOTICE_STATES, example: 'escalated' }) state?: NoticeState;
  @ApiPropertyOptional({ example: 'NOTICE.ALREADY_CLOSED' }) code?: string;
  @ApiPropertyOptional({ example: 'the notice is closed and can no longer be changed' }) message?: string;
}

export class BulkActionResponse {
  @ApiProperty({ enum: BULK_ACTIONS }) action: BulkAction;
  @ApiProperty({ type: [BulkActionResult], description: 'One per notice, in the order given' })
  results: BulkActionResult[];
  @ApiProperty({ example: { done: 2, conflict: 1, not_found: 0, failed: 0 } })
  counts: Record<BulkActionResult['status'], number>;
}
