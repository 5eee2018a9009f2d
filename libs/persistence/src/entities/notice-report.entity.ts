import { Column, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';
import type { SourceKind } from '@takedown/domain';

/** One report that a notice stands for: the first, and every later report of the same URL that joined it. */
@Entity('notice_reports')
@Unique('uq_notice_reports_source_reference', ['sourceKind', 'sourceName', 'sourceReference'])
export class NoticeReportEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint' })
  id: string;

  @Column({ name: 'notice_id', type: 'uuid' })
  noticeId: string;

  @Column({ name: 'source_kind', type: 'text' })
  sourceKind: SourceKind;

  @Column({ name: 'source_name', type: 'text' })
  sourceName: string;

  @Column({ name: 'source_reference', type: 'text' })
  sourceReference: string;

  @Column({ name: 'source_contact', type: 'text', nullable: true })
  sourceContact: string | null;

  /** A trusted flagger's designation (DSA Art. 22) as of receipt: its reference, and who designated it. */
  @Column({ name: 'designation_reference', type: 'text', nullable: true })
  designationReference: string | null;

  @Column({ name: 'designating_authority', type: 'text', nullable: true })
  designatingAuthority: string | null;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt: Date;

  /** The notice's URLs this report named, as 1-based positions in `notices.urls`; null: not known. */
  @Column({ name: 'url_positions', type: 'integer', array: true, nullable: true })
  urlPositions: number[] | null;
}
