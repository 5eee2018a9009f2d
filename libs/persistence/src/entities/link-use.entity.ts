import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A signed link that was acted on; its id as primary key makes every link single-use. */
@Entity('link_uses')
export class LinkUseEntity {
  @PrimaryColumn({ type: 'text' })
  jti: string;

  @Column({ name: 'used_at', type: 'timestamptz', default: () => 'now()' })
  usedAt: Date;

  /** `notice:<id>` or `task:<id>`. */
  @Column({ type: 'text' })
  target: string;

  @Column({ type: 'text' })
  action: string;

  @Column({ name: 'remote_addr', type: 'inet', nullable: true })
  remoteAddr: string | null;
}
