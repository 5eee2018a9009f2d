import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Mail that could not be made into a notice, kept with the reason for the abuse desk. Attachments are not kept. */
@Entity('raw_messages')
export class RawMessageEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt: Date;

  @Column({ type: 'text' })
  channel: 'smtp' | 'pipe';

  @Column({ type: 'text', nullable: true })
  sender: string | null;

  @Column({ name: 'message_id', type: 'text', nullable: true })
  messageId: string | null;

  @Column({ name: 'size_bytes', type: 'int' })
  sizeBytes: number;

  @Column({ type: 'text' })
  headers: string;

  @Column({ type: 'text' })
  text: string;

  @Column({ type: 'text' })
  error: string;

  /** Set by retention (docs/retention.md): sender, headers and text are gone, size and reason stay. */
  @Column({ name: 'anonymised_at', type: 'timestamptz', nullable: true })
  anonymisedAt: Date | null;
}
