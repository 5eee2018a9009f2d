import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { isEmail, isISO8601 } from 'class-validator';
import { QueryFailedError, type DataSource, type EntityManager } from 'typeorm';
import {
  CONTRACT_TYPES,
  CUSTOMER_LANGUAGES,
  CUSTOMER_REFERENCE_PATTERN,
  Cidr,
  DomainError,
  normaliseEmail,
  type ContractType,
  type CustomerLanguage,
} from '@takedown/domain';
import { assertParentAllowed } from './customers';
import { assignPrefix, endAssignment } from './prefix-assignments';

/**
 * The inventory format (CSV header or JSON keys), one row per customer and prefix; see
 * test/fixtures/samples/inventory.csv. A customer with several prefixes has several rows.
 */
export const INVENTORY_COLUMNS = {
  required: [
    'customer_ref',
    'customer_name',
    'contract_type',
    'abuse_contact_email',
    'prefix',
    'assigned_from',
  ],
  optional: ['account_manager_email', 'account_manager_name', 'abuse_contact_24_7', 'language', 'parent_ref'],
} as const;
const KNOWN_COLUMNS = new Set<string>([...INVENTORY_COLUMNS.required, ...INVENTORY_COLUMNS.optional]);

/** Only so many rejections are listed (the count is always complete): a wrong file must not make a huge answer. */
const MAX_LISTED_REJECTIONS = 1000;

export type RowOutcome = 'created' | 'updated' | 'unchanged';

export interface InventoryRejection {
  /** 1-based number of the data row (the CSV header is not a row; in a JSON array, the item's position). */
  row: number;
  /** 1-based line of the CSV file where the row ends (the header is line 1); null for JSON. */
  line: number | null;
  reference: string | null;
  /** The column at fault, when one is, by name. */
  field: string | null;
  /** 1-based position of that column in the CSV header; null for JSON or when no column is at fault. */
  column: number | null;
  reason: string;
}

export interface InventoryReport {
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  rejections: InventoryRejection[];
}

/** One input record: CSV cells are text; JSON values may also be booleans or numbers. */
export type InventoryRecord = Record<string, unknown>;

interface InventoryRow {
  reference: string;
  name: string;
  contractType: ContractType;
  language: CustomerLanguage | null;
  accountManagerEmail: string | null;
  accountManagerName: string | null;
  abuseContactEmail: string;
  aroundTheClock: boolean | null;
  parentReference: string | null;
  cidr: string;
  assignedFrom: Date;
}

/**
 * Reads CSV as records, streaming, so a large file is never held in memory. A header that lacks a required column
 * or has an unknown one stops the whole import with a 400 before any row is written; a row with the wrong number
 * of cells is only that row's problem.
 */
export async function* inventoryCsvRecords(input: Readable | string): AsyncGenerator<InventoryRecord> {
  const parser = parse({
    bom: true,
    skip_empty_lines: true,
    trim: true,
    relax_column_count: true,
    info: true,
  });
  if (typeof input === 'string') parser.end(input);
  else input.pipe(parser);
  let header: string[] | null = null;
  try {
    for await (const { record: cells, info } of parser as AsyncIterable<{
      record: string[];
      info: { lines: number };
    }>) {
      if (!header) {
        header = cells;
        checkColumns(header);
        continue;
      }
      const record: InventoryRecord =
        cells.length === header.length
          ? Object.fromEntries(header.map((column, i) => [column, cells[i]]))
          : { [MISFIT]: `has ${cells.length} cells where the header has ${header.length}` };
      CSV_POSITIONS.set(record, { line: info.lines, header });
      yield record;
    }
  } catch (err) {
    if (err instanceof DomainError) throw err;
    // csv-parse's own message quotes the cell it choked on; its code and line say enough.
    const { code, lines } = err as { code?: unknown; lines?: unknown };
    throw new DomainError(
      'INVENTORY.MALFORMED',
      `the CSV cannot be read${typeof lines === 'number' ? ` at line ${lines}` : ''}` +
        `${typeof code === 'string' ? ` (${code})` : ''}; rows before it were imported, importing the fixed ` +
        'file again is safe',
    );
  }
  if (!header) throw new DomainError('INVENTORY.EMPTY', 'the file has no header and no rows');
}

/** Marks a CSV line whose shape is wrong, so that it is reported as that row's rejection. */
const MISFIT = '__misfit';
/** Where a CSV record came from, for its rejection: the file's line and the header's columns. */
const CSV_POSITIONS = new WeakMap<InventoryRecord, { line: number; header: string[] }>();

/**
 * Imports inventory records: an idempotent upsert by customer reference and prefix, one transaction per row, so
 * that a bad row is reported and the good ones are kept. Importing the same file twice changes nothing the second
 * time. A prefix listed for another customer than its current holder is moved: the old assignment ends at the
 * row's assigned_from and a new one starts (history is kept). Customer fields the file does not have are left as
 * they are; an abuse contact in the file is added to the customer's contacts, never replacing the others.
 */
export async function importInventory(
  db: DataSource,
  records: AsyncIterable<InventoryRecord> | Iterable<InventoryRecord>,
  onRow?: (report: InventoryReport) => void,
): Promise<InventoryReport> {
  const report: InventoryReport = {
    rows: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    rejected: 0,
    rejections: [],
  };
  for await (const record of records) {
    report.rows += 1;
    const reference = typeof record.customer_ref === 'string' ? record.customer_ref : null;
    try {
      const row = readRow(record);
      report[await db.transaction((tx) => importRow(tx, row))] += 1;
    } catch (err) {
      const rejection = rejectionOf(err);
      if (!rejection) throw err;
      report.rejected += 1;
      if (report.rejections.length < MAX_LISTED_REJECTIONS) {
        const at = CSV_POSITIONS.get(record);
        const column = at && rejection.field ? at.header.indexOf(rejection.field) + 1 : 0;
        report.rejections.push({
          row: report.rows,
          line: at?.line ?? null,
          reference,
          field: rejection.field,
          column: column > 0 ? column : null,
          reason: rejection.reason,
        });
      }
    }
    onRow?.(report);
  }
  return report;
}

function checkColumns(header: string[]): void {
  const missing = INVENTORY_COLUMNS.required.filter((c) => !header.includes(c));
  if (missing.length) {
    throw new DomainError(
      'INVENTORY.MISSING_COLUMN',
      `the header lacks column(s) ${missing.join(', ')}`,
      missing[0],
    );
  }
  const unknown = header.filter((c) => !KNOWN_COLUMNS.has(c));
  if (unknown.length) {
    throw new DomainError(
      'INVENTORY.UNKNOWN_COLUMN',
      `unknown column(s) ${unknown.join(', ')}; known: ${[...KNOWN_COLUMNS].join(', ')}`,
      unknown[0],
    );
  }
}

/** Validates one record into a row, naming the column at fault. */
function readRow(record: InventoryRecord): InventoryRow {
  if (typeof record[MISFIT] === 'string') throw new DomainError('INVENTORY.ROW', `the row ${record[MISFIT]}`);
  const unknown = Object.keys(record).find((k) => !KNOWN_COLUMNS.has(k));
  if (unknown) throw new DomainError('INVENTORY.UNKNOWN_COLUMN', `unknown column ${unknown}`, unknown);
  const text = (column: string): string | null => {
    const value = record[column];
    if (value === undefined || value === null || value === '') return null;
    if (typeof value !== 'string') throw new DomainError('INVENTORY.ROW', `${column} must be text`, column);
    // PostgreSQL takes no NUL in text: refused here, as this row's fault, instead of failing the import.
    if (value.includes('\u0000')) {
      throw new DomainError('INVENTORY.ROW', `${column} must not contain a NUL character (\\u0000)`, column);
    }
    return value.trim() || null;
  };
  const required = (column: string): string => {
    const value = text(column);
    if (value === null) throw new DomainError('INVENTORY.ROW', `${column} is missing`, column);
    return value;
  };
  const email = (column: string, value: string): string => {
    if (!isEmail(value)) throw new DomainError('INVENTORY.ROW', `${column} is not an email address`, column);
    return normaliseEmail(value);
  };

  const reference = required('customer_ref');
  if (!CUSTOMER_REFERENCE_PATTERN.test(reference)) {
    throw new DomainError(
      'INVENTORY.ROW',
      'customer_ref has characters outside letters, digits and ._:/-',
      'customer_ref',
    );
  }
  const name = required('customer_name');
  if (name.length > 200)
    throw new DomainError('INVENTORY.ROW', 'customer_name is over 200 characters', 'customer_name');
  const contractType = required('contract_type');
  if (!(CONTRACT_TYPES as readonly string[]).includes(contractType)) {
    throw new DomainError(
      'INVENTORY.ROW',
      `contract_type is not one of ${CONTRACT_TYPES.join(', ')}`,
      'contract_type',
    );
  }
  const language = text('language');
  if (language !== null && !(CUSTOMER_LANGUAGES as readonly string[]).includes(language)) {
    throw new DomainError(
      'INVENTORY.ROW',
      `language is not one of ${CUSTOMER_LANGUAGES.join(', ')}`,
      'language',
    );
  }
  const manager = text('account_manager_email');
  const parentReference = text('parent_ref');
  if (parentReference === reference) {
    throw new DomainError('INVENTORY.ROW', 'a customer cannot be its own parent', 'parent_ref');
  }
  return {
    reference,
    name,
    contractType: contractType as ContractType,
    language: language as CustomerLanguage | null,
    accountManagerEmail: manager === null ? null : email('account_manager_email', manager),
    accountManagerName: text('account_manager_name'),
    abuseContactEmail: email('abuse_contact_email', required('abuse_contact_email')),
    aroundTheClock: flag(record.abuse_contact_24_7, 'abuse_contact_24_7'),
    parentReference,
    cidr: Cidr.parse(required('prefix'), 'prefix').toString(),
    assignedFrom: moment(required('assigned_from'), 'assigned_from'),
  };
}

function flag(value: unknown, column: string): boolean | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value === 'boolean') return value;
  const text = String(value).trim().toLowerCase();
  if (['true', 'yes', '1', 'y'].includes(text)) return true;
  if (['false', 'no', '0', 'n'].includes(text)) return false;
  throw new DomainError('INVENTORY.ROW', `${column} must be true or false`, column);
}

/** A date (`2024-01-01`, midnight UTC) or a timestamp with an explicit offset. */
function moment(value: string, column: string): Date {
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value;
  if (!isISO8601(iso, { strict: true }) || !/(Z|[+-]\d{2}:?\d{2})$/.test(iso)) {
    throw new DomainError(
      'INVENTORY.ROW',
      `${column} must be a date (2024-01-01) or a timestamp with offset`,
      column,
    );
  }
  return new Date(iso);
}

interface CustomerRow {
  id: string;
  name: string;
  contract_type: string;
  language: string;
  account_manager_email: string | null;
  account_manager_name: string | null;
  parent_id: string | null;
}

async function importRow(tx: EntityManager, row: InventoryRow): Promise<RowOutcome> {
  const parentId = row.parentReference ? await parentIdOf(tx, row.parentReference) : null;
  const { id: customerId, outcome: customerOutcome } = await upsertCustomer(tx, row, parentId);
  const contactChanged = await upsertContact(tx, customerId, row);
  const prefixOutcome = await upsertAssignment(tx, customerId, row);
  if (customerOutcome === 'created' || prefixOutcome === 'created') return 'created';
  return customerOutcome === 'updated' || contactChanged || prefixOutcome === 'updated'
    ? 'updated'
    : 'unchanged';
}

async function parentIdOf(tx: EntityManager, reference: string): Promise<string> {
  const [parent] = (await tx.query(`SELECT id FROM customers WHERE reference = $1`, [reference])) as {
    id: string;
  }[];
  if (!parent)
    throw new DomainError(
      'INVENTORY.UNKNOWN_CUSTOMER',
      `no customer with reference ${reference}`,
      'parent_ref',
    );
  return parent.id;
}

async function upsertCustomer(
  tx: EntityManager,
  row: InventoryRow,
  parentId: string | null,
): Promise<{ id: string; outcome: RowOutcome }> {
  const [existing] = (await tx.query(
    `SELECT id, name, contract_type, language, account_manager_email, account_manager_name, parent_id
     FROM customers WHERE reference = $1 FOR UPDATE`,
    [row.reference],
  )) as CustomerRow[];
  if (!existing) {
    const [created] = (await tx.query(
      `INSERT INTO customers (reference, name, contract_type, language, account_manager_email, account_manager_name,
                              parent_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [
        row.reference,
        row.name,
        row.contractType,
        row.language ?? 'en',
        row.accountManagerEmail,
        row.accountManagerName,
        parentId,
      ],
    )) as { id: string }[];
    return { id: created.id, outcome: 'created' };
  }
  if (parentId) await assertParentAllowed(tx, parentId, existing.id, 'parent_ref');
  // Only what the file says is compared and written; an absent optional column keeps the stored value.
  const wanted: Partial<CustomerRow> = {
    name: row.name,
    contract_type: row.contractType,
    ...(row.language !== null && { language: row.language }),
    ...(row.accountManagerEmail !== null && { account_manager_email: row.accountManagerEmail }),
    ...(row.accountManagerName !== null && { account_manager_name: row.accountManagerName }),
    ...(parentId !== null && { parent_id: parentId }),
  };
  const changed = Object.entries(wanted).filter(([k, v]) => existing[k as keyof CustomerRow] !== v);
  if (!changed.length) return { id: existing.id, outcome: 'unchanged' };
  await tx.query(
    `UPDATE customers SET ${changed.map(([k], i) => `${k} = $${i + 2}`).join(', ')}, updated_at = now()
     WHERE id = $1`,
    [existing.id, ...changed.map(([, v]) => v)],
  );
  return { id: existing.id, outcome: 'updated' };
}

/** Adds the row's abuse contact; true when something was written. */
async function upsertContact(tx: EntityManager, customerId: string, row: InventoryRow): Promise<boolean> {
  const written = (await tx.query(
    row.aroundTheClock === null
      ? `INSERT INTO customer_abuse_contacts (customer_id, email) VALUES ($1, $2)
         ON CONFLICT (customer_id, email) DO NOTHING RETURNING email`
      : `INSERT INTO customer_abuse_contacts (customer_id, email, around_the_clock) VALUES ($1, $2, $3)
         ON CONFLICT (customer_id, email) DO UPDATE SET around_the_clock = EXCLUDED.around_the_clock
         WHERE customer_abuse_contacts.around_the_clock <> EXCLUDED.around_the_clock RETURNING email`,
    row.aroundTheClock === null
      ? [customerId, row.abuseContactEmail]
      : [customerId, row.abuseContactEmail, row.aroundTheClock],
  )) as unknown[];
  return written.length > 0;
}

async function upsertAssignment(
  tx: EntityManager,
  customerId: string,
  row: InventoryRow,
): Promise<RowOutcome> {
  const [same] = (await tx.query(
    `SELECT id FROM prefix_assignments
     WHERE cidr = $1::cidr AND customer_id = $2 AND (valid_to IS NULL OR valid_from = $3)
     LIMIT 1`,
    [row.cidr, customerId, row.assignedFrom.toISOString()],
  )) as { id: string }[];
  // Already held, or this very assignment was recorded and has since ended: re-importing must not revive it.
  if (same) return 'unchanged';
  const [held] = (await tx.query(
    `SELECT pa.id, pa.customer_id, pa.valid_from, c.reference FROM prefix_assignments pa
     JOIN customers c ON c.id = pa.customer_id
     WHERE pa.cidr = $1::cidr AND pa.valid_to IS NULL FOR UPDATE OF pa`,
    [row.cidr],
  )) as { id: string; customer_id: string; valid_from: Date; reference: string }[];
  try {
    if (!held) {
      await assignPrefix(tx, { customerId, cidr: row.cidr, validFrom: row.assignedFrom });
      return 'created';
    }
    if (row.assignedFrom <= held.valid_from) {
      throw new DomainError(
        'INVENTORY.ROW',
        `${row.cidr} is held by ${held.reference} since ${held.valid_from.toISOString()}; ` +
          'a move to another customer must start after that',
        'assigned_from',
      );
    }
    await endAssignment(tx, {
      customerId: held.customer_id,
      assignmentId: held.id,
      validTo: row.assignedFrom,
    });
    await assignPrefix(tx, { customerId, cidr: row.cidr, validFrom: row.assignedFrom });
    return 'updated';
  } catch (err) {
    // assignPrefix speaks API field names; the file's columns are called otherwise.
    if (err instanceof DomainError && err.field === 'cidr')
      throw new DomainError(err.code, err.message, 'prefix');
    throw err;
  }
}

/** A rejection for errors that belong to one row; null for those that must stop the import (database down). */
function rejectionOf(err: unknown): { field: string | null; reason: string } | null {
  if (err instanceof DomainError) return { field: err.field ?? null, reason: err.message };
  const code = err instanceof QueryFailedError ? (err.driverError as { code?: string }).code : undefined;
  // Class 23: integrity constraint violations, e.g. two imports creating the same customer at once.
  if (code?.startsWith('23')) return { field: null, reason: (err as Error).message };
  return null;
}
