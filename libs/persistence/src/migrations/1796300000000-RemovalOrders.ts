import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Removal orders (TCO Regulation 2021/784): an order as the authority issued it, linked to the terrorist_content
 * notice that carries its one-hour clock; whether the on-call person acknowledged the page; and how long the removed
 * content's metadata is held (Art. 6: six months from the removal), which retention respects.
 */
export class RemovalOrders1796300000000 implements MigrationInterface {
  name = 'RemovalOrders1796300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE removal_orders (
        id uuid PRIMARY KEY,
        -- Two orders for the same URL while its notice is open share that notice and its clock.
        notice_id uuid NOT NULL REFERENCES notices (id),
        authority text NOT NULL,
        member_state text NOT NULL CHECK (member_state ~ '^[A-Z]{2}$'),
        reference text NOT NULL,
        issued_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL,
        urls text[] NOT NULL,
        reasons text NOT NULL,
        contact_point text NOT NULL,
        inform_provider boolean NOT NULL,
        received_by text NOT NULL,
        pages_sent integer NOT NULL DEFAULT 0,
        last_paged_at timestamptz,
        page_acked_at timestamptz,
        page_acked_by text,
        preserve_until timestamptz,
        UNIQUE (member_state, authority, reference)
      )`);
    await q.query(`CREATE INDEX ix_removal_orders_received ON removal_orders (received_at DESC, id)`);
    await q.query(`CREATE INDEX ix_removal_orders_notice ON removal_orders (notice_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE removal_orders`);
  }
}
