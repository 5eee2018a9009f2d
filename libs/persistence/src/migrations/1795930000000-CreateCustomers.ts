import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateCustomers1795930000000 implements MigrationInterface {
  name = 'CreateCustomers1795930000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE customers (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        reference text NOT NULL CONSTRAINT uq_customers_reference UNIQUE,
        name text NOT NULL,
        contract_type text NOT NULL
          CHECK (contract_type IN ('colocation', 'dedicated', 'unmanaged', 'reseller', 'managed')),
        status text NOT NULL DEFAULT 'active'
          CHECK (status IN ('active', 'suspended', 'terminating', 'terminated')),
        language text NOT NULL DEFAULT 'en' CHECK (language IN ('nl', 'en')),
        account_manager_name text,
        account_manager_email text,
        parent_id uuid REFERENCES customers(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT ck_customers_not_own_parent CHECK (parent_id <> id)
      )`);
    await q.query(`CREATE INDEX ix_customers_parent ON customers (parent_id) WHERE parent_id IS NOT NULL`);
    await q.query(`
      CREATE TABLE customer_abuse_contacts (
        customer_id uuid NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
        email text NOT NULL CHECK (email = lower(email)),
        around_the_clock boolean NOT NULL DEFAULT false,
        PRIMARY KEY (customer_id, email)
      )`);
    await q.query(`
      CREATE TABLE customer_preventive_measures (
        customer_id uuid NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
        kind text NOT NULL,
        declared_at timestamptz NOT NULL DEFAULT now(),
        verified_at timestamptz,
        PRIMARY KEY (customer_id, kind)
      )`);
    await q.query(`
      CREATE TABLE contracts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        customer_id uuid NOT NULL CONSTRAINT uq_contracts_customer UNIQUE REFERENCES customers(id) ON DELETE CASCADE,
        starts_on date NOT NULL,
        notice_period_days int NOT NULL CHECK (notice_period_days >= 0),
        immediate_termination_for_illegal_content boolean NOT NULL DEFAULT false,
        policy_profile text NOT NULL DEFAULT 'default',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // One row per period a prefix belonged to a customer; valid_to NULL = still assigned.
    await q.query(`
      CREATE TABLE prefix_assignments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        customer_id uuid NOT NULL REFERENCES customers(id),
        cidr cidr NOT NULL,
        valid_from timestamptz NOT NULL,
        valid_to timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT ck_prefix_assignments_period CHECK (valid_to IS NULL OR valid_to > valid_from)
      )`);
    // The same prefix cannot be held twice at once. A partial unique index rather than an exclusion constraint over
    // (cidr, tstzrange): building that GiST index on 1M rows had not finished after three minutes, this one
    // takes seconds. Back-dated periods that
    // would overlap history are refused by assignPrefix, which serialises writers of one prefix with a lock.
    await q.query(
      `CREATE UNIQUE INDEX uq_prefix_assignments_open ON prefix_assignments (cidr) WHERE valid_to IS NULL`,
    );
    // Attribution asks "which prefixes contain this address" (>>=). SP-GiST's radix tree over inet answers that in
    // fewer page visits than GiST; bench/attribution.ts measures both (see README, Performance).
    await q.query(
      `CREATE INDEX ix_prefix_assignments_cidr ON prefix_assignments USING spgist (cidr inet_ops)`,
    );
    await q.query(
      `CREATE INDEX ix_prefix_assignments_customer ON prefix_assignments (customer_id, valid_from)`,
    );
    // attribute(ip, at) in one round trip. A function rather than a query from the application for one reason: its
    // plan. The best plan does not depend on the address, but the planner cannot know how few rows `>>= $1` returns,
    // so prepared statements kept re-planning (custom plans); a forced generic plan, cached per session, answered in
    // about 60 % of the time (bench/attribution.ts). The LIMIT never cuts: at most one assignment holds a prefix at a
    // time and an address has at most 129 containing prefix lengths (/0 to /128). It tells the planner the row count,
    // so the generic plan looks customers up by key instead of hashing the whole table.
    await q.query(`
      CREATE FUNCTION attribute_address(ip inet, at timestamptz)
      RETURNS TABLE (assignment_id uuid, cidr cidr, valid_from timestamptz, valid_to timestamptz, customer_id uuid,
                     reference text, name text, status text, contract_type text)
      LANGUAGE plpgsql STABLE
      SET plan_cache_mode = force_generic_plan
      AS $$
      #variable_conflict use_column
      BEGIN
        RETURN QUERY
          SELECT pa.id, pa.cidr, pa.valid_from, pa.valid_to, c.id, c.reference, c.name, c.status, c.contract_type
          FROM (SELECT p.id, p.cidr, p.valid_from, p.valid_to, p.customer_id FROM prefix_assignments p
                WHERE p.cidr >>= ip AND p.valid_from <= at AND (p.valid_to IS NULL OR p.valid_to > at)
                ORDER BY masklen(p.cidr) DESC
                LIMIT 129) pa
          JOIN customers c ON c.id = pa.customer_id
          ORDER BY masklen(pa.cidr) DESC;
      END $$`);
    // Attribution history is evidence (who owned an address when a notice came in): rows are never deleted, and the
    // only change allowed is ending an open assignment.
    await q.query(`
      CREATE FUNCTION prefix_assignments_keep_history() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          RAISE EXCEPTION 'prefix_assignments keeps its history: end an assignment instead of deleting it';
        END IF;
        IF OLD.valid_to IS NOT NULL OR NEW.valid_to IS NULL OR NEW.id <> OLD.id OR NEW.cidr <> OLD.cidr
           OR NEW.customer_id <> OLD.customer_id OR NEW.valid_from <> OLD.valid_from THEN
          RAISE EXCEPTION 'prefix_assignments keeps its history: only an open assignment can be ended';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE TRIGGER prefix_assignments_history BEFORE UPDATE OR DELETE ON prefix_assignments
      FOR EACH ROW EXECUTE FUNCTION prefix_assignments_keep_history()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION attribute_address(inet, timestamptz)`);
    await q.query(`DROP TABLE prefix_assignments`);
    await q.query(`DROP FUNCTION prefix_assignments_keep_history()`);
    await q.query(`DROP TABLE contracts`);
    await q.query(`DROP TABLE customer_preventive_measures`);
    await q.query(`DROP TABLE customer_abuse_contacts`);
    await q.query(`DROP TABLE customers`);
  }
}
