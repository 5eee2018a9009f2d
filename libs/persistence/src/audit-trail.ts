import type { DataSource, EntityManager } from 'typeorm';
import type { AuditEntry } from './audit-log';
import { recordAudit, recordAudits } from './audit-context';

export type AuditRecord = Pick<AuditEntry, 'action' | 'target' | 'summary'>;

/**
 * The audit chain as a service writes to it (`recordAudit`: the actor is the request's). An abstract class so that it
 * is its own DI token and a unit test can collect the rows instead.
 */
export abstract class AuditTrail {
  /** Appends one row, as part of `tx` when given (it commits or rolls back with it). */
  abstract record(entry: AuditRecord, tx?: EntityManager): Promise<void>;
  /** Appends many rows in one statement, as part of `tx`. */
  abstract recordMany(entries: AuditRecord[], tx: EntityManager): Promise<void>;
}

export class PgAuditTrail extends AuditTrail {
  constructor(private readonly db: DataSource) {
    super();
  }

  record(entry: AuditRecord, tx?: EntityManager): Promise<void> {
    return recordAudit(tx ?? this.db, entry);
  }

  recordMany(entries: AuditRecord[], tx: EntityManager): Promise<void> {
    return recordAudits(tx, entries);
  }
}
