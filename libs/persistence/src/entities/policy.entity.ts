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

  /**
   * The actor label of who made the version (`token:<id>`, `cli:<user>`); `system:migration` for the seeded ones,
   * `system:sql` for rows inserted by hand.
   */
  @Column({ name: 'created_by', type: 'text', default: 'system:sql' })
  createdBy: string;
}
