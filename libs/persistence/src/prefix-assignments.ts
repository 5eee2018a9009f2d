import { QueryFailedError, type EntityManager } from 'typeorm';
import { Cidr, DomainError } from '@takedown/domain';
import { PrefixAssignmentEntity } from './entities/prefix-assignment.entity';

const UNIQUE_VIOLATION = '23505';

export interface NewAssignment {
  customerId: string;
  cidr: string;
  validFrom: Date;
  validTo?: Date | null;
}

/**
 * Records that a customer holds a prefix from `validFrom` (until `validTo`, or open). The same prefix may not be
 * held twice at overlapping times, by anyone: that is a 409 naming the holder, so the desk can end or move it.
 * Nested prefixes (an end customer's /26 inside a reseller's /24) are fine: the most specific wins at attribution.
 * Must run in a transaction: a lock on the prefix makes the overlap check and the insert one step.
 */
export async function assignPrefix(em: EntityManager, input: NewAssignment): Promise<PrefixAssignmentEntity> {
  const cidr = Cidr.parse(input.cidr, 'cidr').toString();
  const validTo = input.validTo ?? null;
  if (validTo && validTo <= input.validFrom) {
    throw new DomainError('PREFIX.INVALID_PERIOD', 'validTo must be after validFrom', 'validTo');
  }
  await em.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`prefix:${cidr}`]);
  const holder = (await em.query(
    `SELECT c.reference, pa.valid_from, pa.valid_to FROM prefix_assignments pa JOIN customers c ON c.id = pa.customer_id
     WHERE pa.cidr = $1::cidr AND tstzrange(pa.valid_from, pa.valid_to) && tstzrange($2::timestamptz, $3::timestamptz)
     LIMIT 1`,
    [cidr, input.validFrom.toISOString(), validTo?.toISOString() ?? null],
  )) as { reference: string; valid_from: Date; valid_to: Date | null }[];
  if (holder.length) throw overlap(cidr, holder[0]);
  try {
    const inserted = (await em.query(
      `INSERT INTO prefix_assignments (customer_id, cidr, valid_from, valid_to) VALUES ($1, $2::cidr, $3, $4)
       RETURNING id`,
      [input.customerId, cidr, input.validFrom.toISOString(), validTo?.toISOString() ?? null],
    )) as { id: string }[];
    return await em.getRepository(PrefixAssignmentEntity).findOneByOrFail({ id: inserted[0].id });
  } catch (err) {
    // Only a writer that bypassed the lock gets here; the unique index on open rows is the last guarantee.
    if (err instanceof QueryFailedError && (err.driverError as { code?: string }).code === UNIQUE_VIOLATION) {
      throw overlap(cidr, null);
    }
    throw err;
  }
}

/** Ends an open assignment at `validTo` (the history row stays: attribution at earlier times still finds it). */
export async function endAssignment(
  em: EntityManager,
  input: { customerId: string; assignmentId: string; validTo: Date },
): Promise<PrefixAssignmentEntity> {
  const repo = em.getRepository(PrefixAssignmentEntity);
  const row = await repo.findOne({
    where: { id: input.assignmentId, customerId: input.customerId },
    lock: { mode: 'pessimistic_write' },
  });
  if (!row) {
    throw new DomainError(
      'PREFIX.NOT_FOUND',
      `customer ${input.customerId} has no assignment ${input.assignmentId}`,
    );
  }
  if (row.validTo) {
    throw new DomainError(
      'PREFIX.ALREADY_ENDED',
      `assignment ${row.id} (${row.cidr}) ended at ${row.validTo.toISOString()}`,
    );
  }
  if (input.validTo <= row.validFrom) {
    throw new DomainError(
      'PREFIX.INVALID_PERIOD',
      `validTo must be after the assignment's validFrom (${row.validFrom.toISOString()})`,
      'validTo',
    );
  }
  await repo.update({ id: row.id }, { validTo: input.validTo });
  return { ...row, validTo: input.validTo };
}

function overlap(
  cidr: string,
  holder: { reference: string; valid_from: Date; valid_to: Date | null } | null,
) {
  const by = holder
    ? ` by ${holder.reference} from ${holder.valid_from.toISOString()}` +
      (holder.valid_to ? ` to ${holder.valid_to.toISOString()}` : ' (still assigned)')
    : ' at an overlapping time';
  return new DomainError(
    'PREFIX.OVERLAP',
    `${cidr} is already assigned${by}; end that assignment first (moving a prefix ends one row and starts another)`,
    'cidr',
  );
}
