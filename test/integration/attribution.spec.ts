import { DataSource, type EntityManager } from 'typeorm';
import { DomainError } from '@takedown/domain';
import { assignPrefix, attribute, dataSourceOptions, endAssignment } from '@takedown/persistence';
import { testEnv } from '../support/env';
import { testSpace, type TestSpace } from '../support/prefixes';

/**
 * attribute(ip, at) on real PostgreSQL. Each test runs in a transaction that is rolled back, so that even a /0
 * assignment never leaks into the database the other tests share.
 */
describe('attribution', () => {
  let db: DataSource;
  let space: TestSpace;

  beforeAll(async () => {
    db = await new DataSource(dataSourceOptions(testEnv().DATABASE_URL, { logging: false })).initialize();
  });
  afterAll(() => db?.destroy());
  beforeEach(() => (space = testSpace()));

  const rolledBack = async (test: (tx: EntityManager) => Promise<void>) => {
    const runner = db.createQueryRunner();
    await runner.startTransaction();
    try {
      await test(runner.manager);
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  };

  const customer = async (tx: EntityManager, name: string, contractType = 'colocation'): Promise<string> => {
    const [row] = (await tx.query(
      `INSERT INTO customers (reference, name, contract_type) VALUES ($1, $2, $3) RETURNING id`,
      [space.ref(name), name, contractType],
    )) as { id: string }[];
    return row.id;
  };

  const at = (iso: string) => new Date(iso);

  it('gives the most specific prefix: an end customer’s /26 wins over the reseller’s /24, with the chain', () =>
    rolledBack(async (tx) => {
      const reseller = await customer(tx, 'reseller', 'reseller');
      const endCustomer = await customer(tx, 'end', 'unmanaged');
      await assignPrefix(tx, {
        customerId: reseller,
        cidr: `${space.v4()}/24`,
        validFrom: at('2023-06-01T00:00:00Z'),
      });
      await assignPrefix(tx, {
        customerId: endCustomer,
        cidr: `${space.v4(64)}/26`,
        validFrom: at('2025-09-01T00:00:00Z'),
      });

      const inside = await attribute(tx, space.v4(70), at('2026-01-01T00:00:00Z'));
      expect(inside.status).toBe('attributed');
      expect(inside.customer?.id).toBe(endCustomer);
      expect(inside.prefix?.cidr).toBe(`${space.v4(64)}/26`);
      expect(inside.chain.map((l) => [l.prefix.cidr, l.customer.id])).toEqual([
        [`${space.v4(64)}/26`, endCustomer],
        [`${space.v4()}/24`, reseller],
      ]);

      const outside = await attribute(tx, space.v4(200), at('2026-01-01T00:00:00Z'));
      expect(outside.customer?.id).toBe(reseller);
      expect(outside.chain).toHaveLength(1);

      // Before the sub-allocation existed, the reseller held the whole /24.
      const before = await attribute(tx, space.v4(70), at('2024-01-01T00:00:00Z'));
      expect(before.customer?.id).toBe(reseller);
    }));

  it('travels in time: before a move the old holder, from the move on the new one, before both nobody', () =>
    rolledBack(async (tx) => {
      const oldHolder = await customer(tx, 'old');
      const newHolder = await customer(tx, 'new');
      const cidr = `${space.v6}::/48`;
      const first = await assignPrefix(tx, {
        customerId: oldHolder,
        cidr,
        validFrom: at('2024-01-01T00:00:00Z'),
      });
      const move = at('2026-03-01T12:00:00Z');
      await endAssignment(tx, { customerId: oldHolder, assignmentId: first.id, validTo: move });
      await assignPrefix(tx, { customerId: newHolder, cidr, validFrom: move });
      const ip = `${space.v6}:1::17`;

      expect((await attribute(tx, ip, new Date(move.getTime() - 1))).customer?.id).toBe(oldHolder);
      expect((await attribute(tx, ip, move)).customer?.id).toBe(newHolder);
      expect((await attribute(tx, ip, at('2027-01-01T00:00:00Z'))).customer?.id).toBe(newHolder);
      const never = await attribute(tx, ip, at('2023-12-31T23:59:59Z'));
      expect(never).toMatchObject({ status: 'unattributed', customer: null, prefix: null, chain: [] });

      const old = await attribute(tx, ip, at('2025-01-01T00:00:00Z'));
      expect(old.prefix).toMatchObject({ id: first.id, validTo: move.toISOString() });
    }));

  it('follows a reseller chain three deep, most specific first', () =>
    rolledBack(async (tx) => {
      const ids = [await customer(tx, 'top'), await customer(tx, 'middle'), await customer(tx, 'leaf')];
      const from = at('2025-01-01T00:00:00Z');
      await assignPrefix(tx, { customerId: ids[0], cidr: `${space.v6}::/48`, validFrom: from });
      await assignPrefix(tx, { customerId: ids[1], cidr: `${space.v6}:ab00::/56`, validFrom: from });
      await assignPrefix(tx, { customerId: ids[2], cidr: `${space.v6}:ab12::/64`, validFrom: from });
      const result = await attribute(tx, `${space.v6}:ab12::42`, at('2026-01-01T00:00:00Z'));
      expect(result.chain.map((l) => l.customer.id)).toEqual([ids[2], ids[1], ids[0]]);
      expect(result.chain.map((l) => l.prefix.cidr)).toEqual([
        `${space.v6}:ab12::/64`,
        `${space.v6}:ab00::/56`,
        `${space.v6}::/48`,
      ]);
    }));

  it('attributes an IPv4-mapped IPv6 address to the IPv4 prefix, and reports the IPv4 address', () =>
    rolledBack(async (tx) => {
      const id = await customer(tx, 'v4');
      await assignPrefix(tx, {
        customerId: id,
        cidr: `${space.v4()}/24`,
        validFrom: at('2025-01-01T00:00:00Z'),
      });
      const result = await attribute(tx, `::ffff:${space.v4(9)}`, at('2026-01-01T00:00:00Z'));
      expect(result).toMatchObject({ status: 'attributed', ip: space.v4(9), customer: { id } });
    }));

  it('handles the edge prefixes /0, /32 and /128', () =>
    rolledBack(async (tx) => {
      const everything = await customer(tx, 'everything');
      const host = await customer(tx, 'host');
      const from = at('2025-01-01T00:00:00Z');
      await assignPrefix(tx, { customerId: everything, cidr: '0.0.0.0/0', validFrom: from });
      await assignPrefix(tx, { customerId: everything, cidr: '::/0', validFrom: from });
      await assignPrefix(tx, { customerId: host, cidr: `${space.v4(5)}/32`, validFrom: from });
      await assignPrefix(tx, { customerId: host, cidr: `${space.v6}::5/128`, validFrom: from });
      const when = at('2026-01-01T00:00:00Z');

      const v4host = await attribute(tx, space.v4(5), when);
      expect(v4host.customer?.id).toBe(host);
      expect(v4host.chain.at(-1)?.prefix.cidr).toBe('0.0.0.0/0');
      expect((await attribute(tx, space.v4(6), when)).prefix?.cidr).toBe('0.0.0.0/0');
      expect((await attribute(tx, `${space.v6}::5`, when)).prefix?.cidr).toBe(`${space.v6}::5/128`);
      expect((await attribute(tx, `${space.v6}::6`, when)).prefix?.cidr).toBe('::/0');
    }));

  it('says unattributed for an address nobody holds', () =>
    rolledBack(async (tx) => {
      const result = await attribute(tx, `${space.v6}::1`, new Date());
      expect(result).toEqual({
        status: 'unattributed',
        ip: `${space.v6}::1`,
        at: expect.any(String),
        customer: null,
        prefix: null,
        chain: [],
      });
    }));

  it('refuses a hostname: names are never resolved', async () => {
    await expect(attribute(db, 'files.tenant-a.example', new Date())).rejects.toMatchObject({
      code: 'IP.INVALID',
      field: 'ip',
    });
  });

  it('refuses the same prefix twice at overlapping times, also back-dated, and names the holder', () =>
    rolledBack(async (tx) => {
      const holder = await customer(tx, 'holder');
      const other = await customer(tx, 'other');
      const cidr = `${space.v4()}/24`;
      await assignPrefix(tx, { customerId: holder, cidr, validFrom: at('2025-01-01T00:00:00Z') });
      const again = assignPrefix(tx, { customerId: other, cidr, validFrom: at('2026-01-01T00:00:00Z') });
      await expect(again).rejects.toMatchObject({ code: 'PREFIX.OVERLAP', field: 'cidr' });
      await expect(again).rejects.toThrow(space.ref('holder'));
      const backDated = assignPrefix(tx, {
        customerId: other,
        cidr,
        validFrom: at('2024-01-01T00:00:00Z'),
        validTo: at('2025-02-01T00:00:00Z'),
      });
      await expect(backDated).rejects.toMatchObject({ code: 'PREFIX.OVERLAP' });
      // Right up to the start is fine: periods are half-open.
      await assignPrefix(tx, {
        customerId: other,
        cidr,
        validFrom: at('2024-01-01T00:00:00Z'),
        validTo: at('2025-01-01T00:00:00Z'),
      });
    }));

  it('refuses a period that ends before it starts, and ending an assignment twice', () =>
    rolledBack(async (tx) => {
      const id = await customer(tx, 'periods');
      const start = at('2025-01-01T00:00:00Z');
      await expect(
        assignPrefix(tx, {
          customerId: id,
          cidr: `${space.v4()}/24`,
          validFrom: start,
          validTo: at('2024-01-01T00:00:00Z'),
        }),
      ).rejects.toMatchObject({ code: 'PREFIX.INVALID_PERIOD', field: 'validTo' });
      const row = await assignPrefix(tx, { customerId: id, cidr: `${space.v4()}/24`, validFrom: start });
      await expect(
        endAssignment(tx, { customerId: id, assignmentId: row.id, validTo: at('2024-06-01T00:00:00Z') }),
      ).rejects.toMatchObject({ code: 'PREFIX.INVALID_PERIOD', field: 'validTo' });
      await endAssignment(tx, { customerId: id, assignmentId: row.id, validTo: at('2026-01-01T00:00:00Z') });
      await expect(
        endAssignment(tx, { customerId: id, assignmentId: row.id, validTo: at('2027-01-01T00:00:00Z') }),
      ).rejects.toBeInstanceOf(DomainError);
    }));

  it('keeps history in the database itself: an assignment cannot be deleted or rewritten', async () => {
    const runner = db.createQueryRunner();
    await runner.startTransaction();
    try {
      const id = await customer(runner.manager, 'history');
      const row = await assignPrefix(runner.manager, {
        customerId: id,
        cidr: `${space.v4()}/24`,
        validFrom: at('2025-01-01T00:00:00Z'),
      });
      await runner.query('SAVEPOINT attempt');
      await expect(runner.query('DELETE FROM prefix_assignments WHERE id = $1', [row.id])).rejects.toThrow(
        /keeps its history/,
      );
      await runner.query('ROLLBACK TO SAVEPOINT attempt');
      await expect(
        runner.query(`UPDATE prefix_assignments SET cidr = '192.0.2.0/24' WHERE id = $1`, [row.id]),
      ).rejects.toThrow(/keeps its history/);
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  });
});
