import { type Type as Class } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';

export const SECTIONS = [
  'orders',
  'notices',
  'trusted_flaggers',
  'own_initiative',
  'complaints',
  'automated_means',
] as const;
export type SectionName = (typeof SECTIONS)[number];

/** The year a yearly report covers, and the format it comes in. */
class YearReportQuery {
  @ApiProperty({ example: 2026, minimum: 2000, maximum: 9999, description: 'Calendar year (UTC)' })
  @Type(() => Number)
  @IsInt()
  @Min(2000)
  @Max(9999)
  year: number;

  @ApiPropertyOptional({ enum: ['json', 'csv'], default: 'json' })
  @IsOptional()
  @IsIn(['json', 'csv'])
  format?: 'json' | 'csv';
}

export class TransparencyReportQuery extends YearReportQuery {
  @ApiPropertyOptional({
    enum: SECTIONS,
    description:
      'The section a CSV holds (one file per section, as the template lays them out); required with csv',
  })
  @IsOptional()
  @IsIn(SECTIONS)
  section?: SectionName;
}

class NotExecuted {
  @ApiProperty() disputedAccepted: number;
  @ApiProperty() invalid: number;
  @ApiProperty() withdrawn: number;
}

export class OrderFiguresView {
  @ApiProperty({ nullable: true, type: String, description: 'null on the total row' }) memberState:
    string | null;
  @ApiProperty({ nullable: true, type: String, description: 'null on the total row' }) category:
    string | null;
  @ApiProperty() received: number;
  @ApiProperty({ description: 'Given effect: removed or disabled (suspended)' }) executed: number;
  @ApiProperty({ type: NotExecuted, description: 'Not executed, by why' }) notExecuted: NotExecuted;
  @ApiProperty() open: number;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'Median time from receipt to the acknowledgement of the page',
  })
  medianSecondsToAcknowledge: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Median time from receipt to effect' })
  medianSecondsToEffect: number | null;
}

export class NoticeFiguresView {
  @ApiProperty({ nullable: true, type: String, description: 'null on the total row' }) category:
    string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    enum: ['authority', 'trusted_flagger', 'hotline', 'other', 'own_initiative'],
    description: 'null on the total row',
  })
  notifierKind: string | null;
  @ApiProperty() received: number;
  @ApiProperty({ description: 'Removed or suspended on a legal ground (illegal content as such)' })
  actionedOnLaw: number;
  @ApiProperty({ description: 'Removed or suspended on the terms and conditions' }) actionedOnTerms: number;
  @ApiProperty({ description: 'Closed without action: dispute accepted, invalid, withdrawn' })
  notActioned: number;
  @ApiProperty() open: number;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'Median time from receipt to removal or suspension',
  })
  medianSecondsToAction: number | null;
}

export class ComplaintFiguresView {
  @ApiProperty({
    nullable: true,
    type: String,
    enum: ['strike', 'suspension', 'termination', 'rejection', 'order_removal'],
    description: 'What the appeal contests; null on the total row',
  })
  kind: string | null;
  @ApiProperty() received: number;
  @ApiProperty({ description: 'The decision stood' }) upheld: number;
  @ApiProperty({ description: 'The decision was reversed' }) reversed: number;
  @ApiProperty() underReview: number;
  @ApiProperty({ description: 'Filed after the appeal period' }) refusedLate: number;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'Median time from filing to the review’s decision',
  })
  medianSecondsToDecision: number | null;
}

/** A section of the report: its rows, one per breakdown, and their total row, each a `View`. */
function FiguresSection<T>(View: Class<T>) {
  class Section {
    @ApiProperty({ type: [View] }) rows: T[];
    @ApiProperty({ type: View }) total: T;
  }
  return Section;
}

class ComplaintsSection extends FiguresSection(ComplaintFiguresView) {}
class OrdersSection extends FiguresSection(OrderFiguresView) {}
class NoticesSection extends FiguresSection(NoticeFiguresView) {}

export class DesignationFiguresView {
  @ApiProperty({
    nullable: true,
    type: String,
    example: 'ACM (NL)',
    description:
      'The Digital Services Coordinator that had designated the trusted flagger (DSA Art. 22) when its notice came ' +
      'in; null: not recorded (notices from before designations were)',
  })
  designatingAuthority: string | null;
  @ApiProperty({ description: 'Trusted flaggers’ notices received in the year' }) received: number;
}

class Art16NoticesSection extends NoticesSection {
  @ApiProperty({
    type: [DesignationFiguresView],
    description:
      'The trusted flaggers’ notices of this section (notifier kind trusted_flagger), per designating authority',
  })
  byDesignatingAuthority: DesignationFiguresView[];
}

/**
 * Art. 15(1)(e): the use of automated means for content moderation, in the template's terms: a qualitative
 * description, the precise purposes, indicators of accuracy and of the possible rate of error, the safeguards, and
 * the figures (from the year's statements of reasons).
 */
export class AutomatedMeansView {
  @ApiProperty({ description: 'Whether automated means detected content or took a moderation decision' })
  used: boolean;
  @ApiProperty({ description: 'Qualitative description' }) description: string;
  @ApiProperty({ type: [String], description: 'The precise purposes; none when unused' }) purposes: string[];
  @ApiProperty({ nullable: true, type: Number, description: 'Indicator of accuracy (0–1); null when unused' })
  accuracy: number | null;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'Possible rate of error (0–1); null when unused',
  })
  errorRate: number | null;
  @ApiProperty({ description: 'The safeguards applied' }) safeguards: string;
  @ApiProperty({ description: 'Statements of reasons made in the year' }) statementsOfReasons: number;
  @ApiProperty({ description: 'Of them, content detected by automated means' })
  withAutomatedDetection: number;
  @ApiProperty({ description: 'Of them, decided by automated means' }) withAutomatedDecision: number;
}

/** The year a yearly report covers, as the instants it runs between. */
class YearReportView {
  @ApiProperty() year: number;
  @ApiProperty({ description: 'Start of the year (inclusive), UTC' }) from: string;
  @ApiProperty({ description: 'Start of the next year (exclusive), UTC' }) to: string;
}

export class TransparencyReportView extends YearReportView {
  @ApiProperty({
    type: OrdersSection,
    description: 'Art. 15(1)(a): removal orders of Member States’ authorities',
  })
  orders: OrdersSection;
  @ApiProperty({
    type: Art16NoticesSection,
    description:
      'Art. 15(1)(b): notices under Art. 16, trusted flaggers apart (and per designating authority)',
  })
  notices: Art16NoticesSection;
  @ApiProperty({ type: NoticesSection, description: 'Art. 15(1)(c): the provider’s own detection' })
  ownInitiative: NoticesSection;
  @ApiProperty({
    type: ComplaintsSection,
    description: 'Art. 15(1)(d): appeals through the internal complaint handling, and their outcomes',
  })
  complaints: ComplaintsSection;
  @ApiProperty({
    type: AutomatedMeansView,
    description: 'Art. 15(1)(e): the use of automated means for content moderation',
  })
  automatedMeans: AutomatedMeansView;
}

export class TcoReportQuery extends YearReportQuery {}

class TcoNotExecuted extends NotExecuted {
  @ApiProperty() total: number;
}

class TcoOrders {
  @ApiProperty({ description: 'Removal orders received in the year' }) received: number;
  @ApiProperty({ description: 'Given effect: the content removed or access disabled (suspended)' })
  executed: number;
  @ApiProperty({ description: 'The URLs of the executed orders: items removed or disabled' })
  itemsRemovedOrDisabled: number;
  @ApiProperty({ type: TcoNotExecuted, description: 'Not executed, by why' }) notExecuted: TcoNotExecuted;
  @ApiProperty() open: number;
}

class TcoComplaints {
  @ApiProperty({ description: 'Content providers’ complaints (appeals) against a removal under an order' })
  received: number;
  @ApiProperty({ description: 'Granted: the removal reversed' }) granted: number;
  @ApiProperty({ description: 'Rejected: the removal stood' }) rejected: number;
  @ApiProperty() underReview: number;
  @ApiProperty({ description: 'Filed after the appeal period' }) refusedLate: number;
}

/** Regulation (EU) 2021/784 Art. 7(2): the hosting provider's yearly figures on removal orders. */
export class TcoReportView extends YearReportView {
  @ApiProperty({ type: TcoOrders }) orders: TcoOrders;
  @ApiProperty({ type: TcoComplaints, description: 'Art. 10 complaints, by outcome' })
  complaints: TcoComplaints;
  @ApiProperty({ description: 'Content or access reinstated after a complaint: the complaints granted' })
  restorations: number;
}
