import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  CATEGORIES,
  NOTICE_OUTCOMES,
  NOTICE_STATES,
  type Category,
  type NoticeOutcome,
  type NoticeState,
} from '@takedown/domain';
import { NoticeReportView, NoticeSourceDto } from './notice.dto';

/**
 * A notice as a source (a `source` token) reads it: its own reports, the URLs they named, and what became of them.
 * Never who else reported it or with what reference, its other URLs, the customer, notes or dispute reasons: a source
 * that joined another's notice by reporting one of its URLs learns no more than a source that opened one.
 */
export class SourceNoticeView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ type: NoticeSourceDto, description: 'The caller itself' })
  source: { kind: string; name: string };
  @ApiProperty({ description: 'The reference of the caller’s first report of it' }) sourceReference: string;
  @ApiProperty({ enum: CATEGORIES }) category: Category;
  @ApiProperty({ type: [String], description: 'The URLs the caller’s reports named' }) urls: string[];
  @ApiProperty({ enum: NOTICE_STATES }) state: NoticeState;
  @ApiPropertyOptional({ enum: NOTICE_OUTCOMES, nullable: true }) outcome: NoticeOutcome | null;
  @ApiProperty({ description: 'When the caller’s first report of it came in' }) receivedAt: string;
  @ApiPropertyOptional({ nullable: true, type: String }) closedAt: string | null;
  @ApiProperty({ type: [NoticeReportView], description: 'The caller’s own reports of it' })
  reports: NoticeReportView[];
}

export class SourceNoticePage {
  @ApiProperty({ type: [SourceNoticeView] }) items: SourceNoticeView[];
  @ApiProperty() total: number;
  @ApiProperty() limit: number;
  @ApiProperty() offset: number;
}
