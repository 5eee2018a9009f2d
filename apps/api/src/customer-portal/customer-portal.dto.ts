import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import {
  CATEGORIES,
  CUSTOMER_LANGUAGES,
  NOTICE_OUTCOMES,
  NOTICE_STATES,
  RESELLER_MODES,
  STANDING_LEVELS,
  type Category,
  type CustomerLanguage,
  type NoticeOutcome,
  type NoticeState,
  type ResellerMode,
  type StandingLevel,
} from '@takedown/domain';
import { PageQuery } from '../common/page-query';
import { StandingCountsView } from '../standing/standing.dto';

/** Every customer route acts for one customer: a customer token's own; an admin names it. */
export class CustomerScopeQuery {
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'For an admin only (support): the customer to act for. A customer token acts for its own.',
  })
  @IsOptional()
  @IsUUID()
  customerId?: string;
}

export const CUSTOMER_NOTICE_FILTERS = ['open', 'closed', 'all'] as const;

export class CustomerNoticeQuery extends PageQuery {
  @ApiPropertyOptional({ format: 'uuid', description: 'For an admin only: the customer to act for' })
  @IsOptional()
  @IsUUID()
  customerId?: string;

  @ApiPropertyOptional({ enum: CUSTOMER_NOTICE_FILTERS, default: 'all' })
  @IsOptional()
  @IsIn(CUSTOMER_NOTICE_FILTERS)
  status?: (typeof CUSTOMER_NOTICE_FILTERS)[number];
}

export const CUSTOMER_ANSWERS = ['removed', 'dispute'] as const;
export type CustomerAnswerKind = (typeof CUSTOMER_ANSWERS)[number];

export class CustomerAnswerDto {
  @ApiProperty({
    enum: CUSTOMER_ANSWERS,
    description: 'removed: the material is gone (checked before it counts)',
  })
  @IsIn(CUSTOMER_ANSWERS)
  kind: CustomerAnswerKind;

  @ApiPropertyOptional({
    example: 'The file is a licensed product photo, see contract 2024-17',
    description: 'Required for a dispute',
  })
  @ValidateIf((o: CustomerAnswerDto) => o.kind === 'dispute' || o.reason !== undefined)
  @IsString()
  @MinLength(1)
  @MaxLength(5000)
  reason?: string;
}

export class CustomerBatchAnswerItem extends CustomerAnswerDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  noticeId: string;
}

export class CustomerBatchAnswerDto {
  @ApiProperty({ type: [CustomerBatchAnswerItem], minItems: 1, maxItems: 100 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => CustomerBatchAnswerItem)
  answers: CustomerBatchAnswerItem[];
}

export class CustomerNoticeView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: CATEGORIES }) category: Category;
  @ApiProperty({ type: [String], description: 'The reported URLs: this customer’s own content, in full' })
  urls: string[];
  @ApiPropertyOptional({ nullable: true, type: String }) ip: string | null;
  @ApiProperty({ enum: NOTICE_STATES }) state: NoticeState;
  @ApiPropertyOptional({ enum: NOTICE_OUTCOMES, nullable: true }) outcome: NoticeOutcome | null;
  @ApiProperty() receivedAt: string;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'When the material must be gone' })
  deadline: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) closedAt: string | null;
  @ApiProperty({ description: 'What is asked of the customer now, in a sentence' }) asked: string;
  @ApiProperty({ enum: CUSTOMER_ANSWERS, isArray: true, description: 'The answers the notice takes now' })
  answers: CustomerAnswerKind[];
  @ApiPropertyOptional({
    type: () => EndCustomerView,
    nullable: true,
    description: 'For a reseller: the end customer whose notice this is; null for the customer’s own',
  })
  endCustomer: EndCustomerView | null;
  @ApiPropertyOptional({
    enum: ['informed', 'act_first'],
    nullable: true,
    description:
      'For a reseller: how its contract involved it as of the notice’s receipt (act_first: it answers; informed: it reads)',
  })
  resellerMode: 'informed' | 'act_first' | null;
  @ApiPropertyOptional({
    type: Boolean,
    nullable: true,
    description:
      'For a reseller: its act_first window passed unanswered, a strike in its own standing that it can appeal; null for the customer’s own',
  })
  resellerStrike: boolean | null;
}

export class EndCustomerView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'C-1001' }) reference: string;
  @ApiProperty() name: string;
}

export class CustomerNoticeEventView {
  @ApiProperty() type: string;
  @ApiProperty() occurredAt: string;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'The customer’s own words only' })
  reason: string | null;
}

export class CustomerNoticeDetailView extends CustomerNoticeView {
  @ApiProperty({ type: [CustomerNoticeEventView], description: 'What happened, oldest first' })
  timeline: CustomerNoticeEventView[];
}

export class CustomerNoticePage {
  @ApiProperty({ type: [CustomerNoticeView] }) items: CustomerNoticeView[];
  @ApiProperty() total: number;
  @ApiProperty() limit: number;
  @ApiProperty() offset: number;
}

export class CustomerAnswerResult {
  @ApiProperty({ format: 'uuid' }) noticeId: string;
  @ApiProperty({ enum: ['accepted', 'refused', 'not_found'] }) result: 'accepted' | 'refused' | 'not_found';
  @ApiPropertyOptional({
    description: 'Why it was refused (an error code)',
    example: 'NOTICE.ALREADY_CLOSED',
  })
  code?: string;
  @ApiPropertyOptional() message?: string;
  @ApiPropertyOptional({
    enum: NOTICE_STATES,
    description: 'The notice’s state after the answer (or at refusal)',
  })
  state?: NoticeState;
}

export class CustomerBatchAnswerView {
  @ApiProperty({ type: [CustomerAnswerResult], description: 'One result per answer, in the order given' })
  results: CustomerAnswerResult[];
}

/** A level names only the counts that lead to it. */
export class StandingThresholdCountsView extends PartialType(StandingCountsView) {}

export class StandingThresholdView {
  @ApiProperty({ enum: STANDING_LEVELS }) level: StandingLevel;
  @ApiProperty({
    type: StandingThresholdCountsView,
    description: 'Any one of these counts reached is that level; a count not named does not lead to it',
  })
  counts: StandingThresholdCountsView;
}

export class CustomerStandingView {
  @ApiProperty({ enum: STANDING_LEVELS }) level: StandingLevel;
  @ApiPropertyOptional({ nullable: true, type: String }) levelSince: string | null;
  @ApiProperty({ example: 'P90D', description: 'The rolling window the counts cover (ISO 8601 duration)' })
  window: string;
  @ApiProperty({ type: StandingCountsView, description: 'Counts in the rolling window' })
  counts: StandingCountsView;
  @ApiProperty({ type: [StandingThresholdView], description: 'The thresholds of each level above good' })
  thresholds: StandingThresholdView[];
  @ApiProperty({
    type: [String],
    description: 'What moves the standing back a level, in plain sentences',
  })
  movesBack: string[];
  @ApiProperty({ type: [String], description: 'The preventive measures the desk verified' })
  verifiedMeasures: string[];
}

export class CustomerProfileView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'C-1001' }) reference: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: CUSTOMER_LANGUAGES, description: 'The language of its emails and of the portal' })
  language: CustomerLanguage;
  @ApiProperty({ example: 'Europe/Amsterdam', description: 'IANA time zone its deadlines are shown in' })
  timeZone: string;
}

export class CustomerMeasureView {
  @ApiProperty({ example: 'hash_check_uploads' }) kind: string;
  @ApiProperty({ enum: ['declared', 'verified', 'rejected'], description: 'Only a verified measure counts' })
  status: 'declared' | 'verified' | 'rejected';
  @ApiPropertyOptional({ nullable: true, type: String }) evidence: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, example: '2026-03-01' }) evidenceDate: string | null;
  @ApiProperty() declaredAt: string;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'null: not (yet) verified by the desk' })
  verifiedAt: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) rejectedAt: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'Why the desk rejected it' })
  rejectionReason: string | null;
}

export class CreateCustomerTokenDto {
  @ApiProperty({ example: 'ticket system' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @ApiPropertyOptional({
    default: false,
    description: 'Another admin contact (may make tokens and set the webhook)',
  })
  @IsOptional()
  @IsBoolean()
  admin?: boolean;

  @ApiPropertyOptional({ example: 90, description: 'Days until it expires (1 to 366); default 90' })
  @IsOptional()
  @Type(() => Number)
  @IsIn(Array.from({ length: 366 }, (_, i) => i + 1), { message: 'expiresInDays must be a whole 1 to 366' })
  expiresInDays?: number;
}

export class CustomerTokenView {
  @ApiProperty({ description: 'The token: shown once, only its hash is kept' }) token: string;
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty() admin: boolean;
  @ApiProperty() expiresAt: string;
}

export class WebhookDto {
  @ApiProperty({ example: 'https://tickets.tenant-a.example/hooks/takedown' })
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  @MaxLength(2000)
  url: string;
}

export class WebhookView {
  @ApiProperty() url: string;
  @ApiProperty() updatedAt: string;
  @ApiPropertyOptional({
    description: 'The signing secret: in the answer to setting the webhook only, never again',
  })
  secret?: string;
}

export class WebhookDeliveryView {
  @ApiProperty({ description: 'The event id, also sent as X-Takedown-Delivery' }) eventId: string;
  @ApiProperty({ enum: ['notice.created', 'notice.reminder', 'notice.deadline_passed'] }) type: string;
  @ApiProperty({ format: 'uuid' }) noticeId: string;
  @ApiProperty({ enum: ['pending', 'delivered', 'failed'] }) status: string;
  @ApiProperty() attempts: number;
  @ApiPropertyOptional({ nullable: true, type: Number, description: 'HTTP status of the last attempt' })
  lastStatus: number | null;
  @ApiPropertyOptional({ nullable: true, type: String }) lastError: string | null;
  @ApiProperty() createdAt: string;
  @ApiPropertyOptional({ nullable: true, type: String }) lastAttemptAt: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) deliveredAt: string | null;
}

export class WebhookDeliveryPage {
  @ApiProperty({ type: [WebhookDeliveryView] }) items: WebhookDeliveryView[];
  @ApiProperty() total: number;
  @ApiProperty() limit: number;
  @ApiProperty() offset: number;
}

export class WebhookDeliveryQuery extends PageQuery {
  @ApiPropertyOptional({ format: 'uuid', description: 'For an admin only: the customer to act for' })
  @IsOptional()
  @IsUUID()
  customerId?: string;
}

export class LinkRequestDto {
  @ApiProperty({ example: 'abuse@tenant-a.example', description: 'A registered abuse contact’s address' })
  @IsEmail()
  @MaxLength(320)
  email: string;
}

export class PortalSessionDto {
  @ApiProperty({ description: 'The `link` parameter of the portal link from the email' })
  @IsString()
  @Matches(/^[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/, { message: 'link: not a portal link' })
  link: string;
}

export class PortalSessionView {
  @ApiProperty({ description: 'A customer token (read and answer), valid for a few hours' }) token: string;
  @ApiProperty() expiresAt: string;
  @ApiProperty({ format: 'uuid' }) customerId: string;
}

export class ResellerModeDto {
  @ApiProperty({
    enum: RESELLER_MODES,
    description:
      'none: not involved; informed: a copy of every email its end customers get; act_first: the notice goes to the ' +
      'reseller, and to the end customer after actFirstMinutes without an answer',
  })
  @IsIn(RESELLER_MODES)
  mode: ResellerMode;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 10080,
    example: 30,
    description: 'act_first only (and required there): minutes the reseller has to answer, at most a week',
  })
  @ValidateIf((o: ResellerModeDto) => o.mode === 'act_first' || o.actFirstMinutes !== undefined)
  @IsInt()
  @Min(1)
  @Max(10080)
  actFirstMinutes?: number;
}

export class ResellerModeView {
  @ApiProperty({ format: 'uuid' }) customerId: string;
  @ApiProperty({ enum: RESELLER_MODES }) mode: ResellerMode;
  @ApiPropertyOptional({ nullable: true, type: Number }) actFirstMinutes: number | null;
  @ApiProperty({
    description: 'Notices received from now on follow it; a notice keeps the mode of its receipt',
  })
  updatedAt: string;
}
