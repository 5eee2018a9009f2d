import type { Pool, QueryResultRow } from 'pg';
import { QueryFailedError, type DataSource } from 'typeorm';

/**
 * A statement for `poolQuery`. A `name` makes it a prepared statement: `pg` parses it once per connection and
 * PostgreSQL may keep its plan, so a hot read pays only for binding and running it. A name must always stand for the
 * same text (`pg` refuses another text under a known name): `statementName` gives one per text.
 */
export interface Statement {
  name?: string;
  text: string;
  values: unknown[];
}

/**
 * Runs a statement on the DataSource's own pool, past TypeORM's query runner, whose per-query bookkeeping (a runner,
 * its events, its logging) is a good part of what a small read costs. A failure is thrown as TypeORM's would be
 * (QueryFailedError around the driver's error), so that the errors filter and `isDatabaseUnavailable` treat it the
 * same, and describe it by SQLSTATE, never by its text or values.
 */
export async function poolQuery<R extends QueryResultRow>(
  db: DataSource,
  statement: Statement,
): Promise<R[]> {
  const pool = (db.driver as unknown as { master: Pool }).master;
  try {
    return (await pool.query<R>(statement)).rows;
  } catch (err) {
    throw new QueryFailedError(statement.text, statement.values, err as Error);
  }
}

const names = new Map<string, string>();

/**
 * The prepared statement's name for a text: `prefix` and a number given in the order the texts were first seen. Only
 * for texts made from a bounded set of parts (a filter present or not, a scope's shape), never from values.
 */
export function statementName(prefix: string, text: string): string {
  let name = names.get(text);
  if (!name) {
    name = `${prefix}_${names.size + 1}`;
    names.set(text, name);
  }
  return name;
}

/** Positional parameters for a statement built in parts: `ref(value)` keeps the value and answers its placeholder. */
export class SqlParams {
  readonly values: unknown[] = [];

  readonly ref = (_name: string, value: unknown): string => {
    this.values.push(value);
    return `$${this.values.length}`;
  };
}
