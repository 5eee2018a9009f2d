import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Category, CategoryPolicy } from '@takedown/domain';

/** One version of a timer policy. Versions are added, never changed: running notices keep the one they began with. */
@Entity('policies')
export class PolicyEntity {
  @PrimaryColumn({ type: 'text' })
  id: string;

  @PrimaryColumn({ type: 'int' })
  version: number;

  @Column({ type: 'jsonb' })
  categories: Record<Category, CategoryPolicy>;

  @Column({ name: 'effective_from', type: 'timestamptz' })
  effectiveFrom: Date;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}
