import {
  ApiExtraModels,
  ApiProperty,
  ApiPropertyOptional,
  getSchemaPath,
  PartialType,
} from '@nestjs/swagger';
import { IsISO8601, IsObject, IsOptional, IsString, Matches } from 'class-validator';
import {
  DEFAULT_POLICY,
  type Category,
  type CategoryPolicy,
  type NotifierKind,
  type NotifierTimers,
} from '@takedown/domain';
import { POLICY_ID_PATTERN } from '@takedown/persistence';

const DURATION = { type: String, example: 'PT24H', description: 'ISO 8601 duration of a fixed length' };

/** A notifier kind's own timers within a category (`CategoryPolicy.byNotifier`). */
export class NotifierTimersView implements NotifierTimers {
  @ApiProperty({
    type: [String],
    example: ['PT12H'],
    description: 'Reminders from receipt, each before the deadline',
  })
  reminders: string[];
  @ApiProperty({ ...DURATION, example: 'PT24H', description: 'From receipt; longer than zero' })
  deadline: string;
  @ApiPropertyOptional({ ...DURATION, description: 'Counted back from this deadline; absent: none' })
  lastCall?: string;
}

/** `CategoryPolicy` for the OpenAPI document; the rules are the domain's (`parsePolicyCategories`). */
@ApiExtraModels(NotifierTimersView)
export class CategoryPolicyView implements CategoryPolicy {
  @ApiProperty({
    type: [String],
    example: ['PT6H', 'PT18H'],
    description: 'When the customer is reminded, from receipt: ascending, each before the deadline',
  })
  reminders: string[];
  @ApiProperty({ ...DURATION, description: 'From receipt; longer than zero' }) deadline: string;
  @ApiPropertyOptional({
    ...DURATION,
    example: 'PT4H',
    description: 'After a missed deadline: the NOC suspension task (PT0S: at the deadline); absent: none',
  })
  suspendAfter?: string;
  @ApiPropertyOptional({
    ...DURATION,
    example: 'PT2H',
    description: 'The last call to a silent customer, before the deadline; shorter than the deadline',
  })
  lastCall?: string;
  @ApiPropertyOptional({
    ...DURATION,
    description: 'After the deadline, how long an unconfirmed claimed removal holds off escalation',
  })
  claimGrace?: string;
  @ApiPropertyOptional({ ...DURATION, description: 'When a task this notice opens is overdue' })
  taskDue?: string;
  @ApiPropertyOptional({
    ...DURATION,
    description: 'After escalation: when the abuse-desk lead is escalated',
  })
  leadAfter?: string;
  @ApiPropertyOptional({
    ...DURATION,
    description: 'After the account manager acted: when the lead is escalated if the notice is open',
  })
  followUp?: string;
  @ApiPropertyOptional({ ...DURATION, description: 'How long after closing a notice can be reopened' })
  reopenWindow?: string;
  @ApiPropertyOptional({ description: 'Email the customer’s 24/7 contacts too, from the first email on' })
  aroundTheClock?: boolean;
  @ApiPropertyOptional({ description: 'Open the NOC suspension task at receipt (TCO removal orders)' })
  nocAtReceipt?: boolean;
  @ApiPropertyOptional({
    ...DURATION,
    example: 'P1D',
    description:
      'A feed’s reports of one address, category and customer within this long join one notice; absent: P1D',
  })
  aggregationWindow?: string;
  @ApiPropertyOptional({
    type: Number,
    minimum: 0,
    maximum: 10,
    example: 2,
    description:
      'How many times a repeat (the same URL or hash back at the customer after an earlier notice closed) counts ' +
      'as content back in its standing; absent: 1',
  })
  repeatWeight?: number;
  @ApiPropertyOptional({
    description:
      'Check a customer’s removal claim by HEAD requests to the notice’s URLs (no body read, no redirect followed): ' +
      '404/410 `probeMisses` times in a row confirm it, a 2xx counts it false. Never true for csam or ' +
      'terrorist_content (400)',
  })
  probeRemoval?: boolean;
  @ApiPropertyOptional({
    ...DURATION,
    example: 'PT5S',
    description: 'How long one HEAD request may take; at most PT30S; absent: PT5S',
  })
  probeTimeout?: string;
  @ApiPropertyOptional({
    type: Number,
    minimum: 1,
    maximum: 10,
    example: 3,
    description: 'How many probe rounds in a row finding every URL gone confirm the removal; absent: 3',
  })
  probeMisses?: number;
  @ApiPropertyOptional({
    ...DURATION,
    example: 'PT5M',
    description: 'The time between two probe rounds; absent: PT5M',
  })
  probeInterval?: string;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { $ref: getSchemaPath(NotifierTimersView) },
    example: { trusted_flagger: { reminders: ['PT12H'], deadline: 'PT24H' } },
    description:
      'A deadline, reminders and last call of their own for some notifier kinds (authority, trusted_flagger, hotline, ' +
      'other, own_initiative, authority_order), in place of the category’s; absent: the same clock for everyone',
  })
  byNotifier?: Partial<Record<NotifierKind, NotifierTimersView>>;
}

export class PolicyCategoriesView implements Record<Category, CategoryPolicyView> {
  @ApiProperty({ type: CategoryPolicyView }) csam: CategoryPolicyView;
  @ApiProperty({ type: CategoryPolicyView }) terrorist_content: CategoryPolicyView;
  @ApiProperty({ type: CategoryPolicyView }) phishing: CategoryPolicyView;
  @ApiProperty({ type: CategoryPolicyView }) malware: CategoryPolicyView;
  @ApiProperty({ type: CategoryPolicyView }) spam: CategoryPolicyView;
  @ApiProperty({ type: CategoryPolicyView }) copyright: CategoryPolicyView;
  @ApiProperty({ type: CategoryPolicyView }) other: CategoryPolicyView;
  @ApiProperty({ type: CategoryPolicyView }) login_attack: CategoryPolicyView;
  @ApiProperty({ type: CategoryPolicyView }) scanning: CategoryPolicyView;
  @ApiProperty({ type: CategoryPolicyView }) ddos: CategoryPolicyView;
  @ApiProperty({ type: CategoryPolicyView }) web_attack: CategoryPolicyView;
  @ApiProperty({ type: CategoryPolicyView }) botnet: CategoryPolicyView;
  @ApiProperty({ type: CategoryPolicyView }) compromised: CategoryPolicyView;
  @ApiProperty({ type: CategoryPolicyView }) vulnerable_service: CategoryPolicyView;
  @ApiProperty({ type: CategoryPolicyView }) blocklisted: CategoryPolicyView;
}

/** A stored version's categories: a version stored before a category existed has no entry for it. */
export class StoredPolicyCategoriesView extends PartialType(PolicyCategoriesView) {}

/**
 * A new version of a profile. Only the types are checked here: the rules of the timers (and of the id and the
 * effective time) are checked together by the write path that the CLI shares, so that one 400 names every problem.
 */
export class CreatePolicyDto {
  @ApiProperty({
    example: 'default',
    pattern: POLICY_ID_PATTERN.source,
    description: 'The profile (a contract’s policyProfile); a new id starts a profile at version 1',
  })
  @IsString()
  id: string;

  @ApiProperty({
    type: PolicyCategoriesView,
    description: 'Every category’s timers; no other category or field',
  })
  @IsObject()
  categories: Record<string, unknown>;

  @ApiPropertyOptional({
    example: '2027-01-01T00:00:00Z',
    description:
      'When the version takes effect (default now): not in the past, and not before the latest version’s. ' +
      'Notices received from then on are pinned to it; notices received before keep theirs.',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  effectiveFrom?: string;
}

export class PolicyQueryDto {
  @ApiPropertyOptional({
    example: 'current',
    description: 'A version number, or `current` for the version in force now; default: every version',
  })
  @IsOptional()
  @Matches(/^([1-9]\d{0,8}|current)$/, { message: 'version must be a version number or "current"' })
  version?: string;
}

export class PolicyVersionSummaryView {
  @ApiProperty({ example: 2 }) version: number;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    example: '2026-11-20T08:00:00.000Z',
    description: 'When it takes effect; null: in force from the beginning (a seeded first version)',
  })
  effectiveFrom: string | null;
  @ApiProperty({ example: '2026-11-19T15:02:11.000Z' }) createdAt: string;
  @ApiProperty({
    example: 'token:3f2a9c1e-5b7d-4e0a-9c1f-2d3e4f5a6b7c',
    description: 'Who made it: `token:<id>`, `oidc:<subject>`, `cli:<user>`, `system:migration`',
  })
  createdBy: string;
  @ApiProperty({ description: 'In force now: the newest version that has taken effect' }) inForce: boolean;
}

export class PolicyVersionView extends PolicyVersionSummaryView {
  @ApiProperty({ example: 'default' }) id: string;
  @ApiProperty({
    type: StoredPolicyCategoriesView,
    example: DEFAULT_POLICY.categories,
    description:
      'Every category’s timers; a version stored before a category was added (a seeded one) has no entry for it',
  })
  categories: StoredPolicyCategoriesView;
}

export class PolicySummaryView {
  @ApiProperty({ example: 'default' }) id: string;
  @ApiPropertyOptional({
    nullable: true,
    type: Number,
    example: 2,
    description: 'The version in force now; null while every version is still to come',
  })
  inForce: number | null;
  @ApiProperty({ type: [PolicyVersionSummaryView], description: 'Oldest first' })
  versions: PolicyVersionSummaryView[];
}

export class PolicyListView {
  @ApiProperty({ type: [PolicySummaryView], description: 'By id' }) items: PolicySummaryView[];
}

export class PolicyView {
  @ApiProperty({ example: 'default' }) id: string;
  @ApiPropertyOptional({ nullable: true, type: Number, example: 2 }) inForce: number | null;
  @ApiProperty({
    type: [PolicyVersionView],
    description: 'Oldest first; only the one asked for with ?version=',
  })
  versions: PolicyVersionView[];
}
