import { DataSource, type EntityManager } from 'typeorm';
import { IpAddress, type ContractType, type CustomerStatus } from '@takedown/domain';
import { poolQuery } from './pool-query';

export interface AttributedCustomer {
  id: string;
  reference: string;
  name: string;
  status: CustomerStatus;
  contractType: ContractType;
}

export interface AttributedPrefix {
  id: string;
  cidr: string;
  validFrom: string;
  validTo: string | null;
}

/** One assignment containing the address: the prefix and who held it. */
export interface ChainLink {
  prefix: AttributedPrefix;
  customer: AttributedCustomer;
}

export type Attribution =
  | {
      status: 'attributed';
      ip: string;
      at: string;
      customer: AttributedCustomer;
      prefix: AttributedPrefix;
      chain: ChainLink[];
    }
  | { status: 'unattributed'; ip: string; at: string; customer: null; prefix: null; chain: [] };

/**
 * Every assignment whose prefix contains $1 at time $2, most specific first, with its customer. The query itself is
 * the function attribute_address (migration CreateCustomers): `cidr >>= inet` on the SP-GiST index, then the period
 * test on the handful of containing rows. Exported so that the benchmark measures exactly this text.
 */
export const ATTRIBUTION_SQL = `
  SELECT assignment_id AS id, cidr::text AS cidr, valid_from, valid_to,
         customer_id, reference, name, status, contract_type
  FROM attribute_address($1::inet, $2::timestamptz)`;

interface Row {
  id: string;
  cidr: string;
  valid_from: Date;
  valid_to: Date | null;
  customer_id: string;
  reference: string;
  name: string;
  status: CustomerStatus;
  contract_type: ContractType;
}

/**
 * Whose address was `ip` at time `at`: the customer of the most specific prefix containing it (a reseller's /24
 * holding an end customer's /26 gives the /26), with the chain of every containing assignment. A hostname is not
 * an IP and is refused: Takedown never resolves names, so a notice without an IP stays with the desk.
 */
export async function attribute(db: DataSource | EntityManager, ip: string, at: Date): Promise<Attribution> {
  const address = IpAddress.parse(ip).toString();
  const values = [address, at.toISOString()];
  // Outside a transaction (the API's lookup), a prepared statement on the pool.
  const rows =
    db instanceof DataSource
      ? await poolQuery<Row>(db, { name: 'attribute_address', text: ATTRIBUTION_SQL, values })
      : ((await db.query(ATTRIBUTION_SQL, values)) as Row[]);
  const base = { ip: address, at: at.toISOString() };
  if (rows.length === 0) return { ...base, status: 'unattributed', customer: null, prefix: null, chain: [] };
  const chain = rows.map((r): ChainLink => ({
    prefix: {
      id: r.id,
      cidr: r.cidr,
      validFrom: r.valid_from.toISOString(),
      validTo: r.valid_to?.toISOString() ?? null,
    },
    customer: {
      id: r.customer_id,
      reference: r.reference,
      name: r.name,
      status: r.status,
      contractType: r.contract_type,
    },
  }));
  return { ...base, status: 'attributed', customer: chain[0].customer, prefix: chain[0].prefix, chain };
}

/**
 * ATTRIBUTION_SQL for many points in one statement: for the k-th (ip, at), the address as PostgreSQL writes it and
 * the customer of the most specific assignment containing it then (null for nobody's). The function's rows come most
 * specific first, so the first is taken; the order of the answer is the order of the points.
 */
export const ATTRIBUTION_MANY_SQL = `
  SELECT host(k.ip) AS ip, a.customer_id
  FROM unnest($1::inet[], $2::timestamptz[]) WITH ORDINALITY AS k(ip, at, pos)
  LEFT JOIN LATERAL (SELECT customer_id FROM attribute_address(k.ip, k.at) LIMIT 1) a ON true
  ORDER BY k.pos`;

/** Whose address each of `points` was when it was seen, in one round trip: see ATTRIBUTION_MANY_SQL. */
export async function attributeMany(
  db: DataSource | EntityManager,
  points: { ip: string; at: Date }[],
): Promise<{ ip: string; customerId: string | null }[]> {
  if (!points.length) return [];
  const rows = (await db.query(ATTRIBUTION_MANY_SQL, [
    points.map((p) => IpAddress.parse(p.ip).toString()),
    points.map((p) => p.at.toISOString()),
  ])) as { ip: string; customer_id: string | null }[];
  return rows.map((r) => ({ ip: r.ip, customerId: r.customer_id }));
}
