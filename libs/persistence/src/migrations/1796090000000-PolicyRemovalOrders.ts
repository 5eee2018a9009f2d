import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Version 3 of the built-in timer policies: a terrorist-content removal order (one hour) engages the customer's 24/7
 * contacts and the NOC at receipt (`aroundTheClock`, `nocAtReceipt`), not after the deadline. Added, never changed:
 * notices received before keep the version they pinned. Frozen here as it was on the day.
 */
const DEFAULT_V3 = `{"csam":{"reminders":["PT6H","PT18H"],"deadline":"PT24H","suspendAfter":"PT4H","lastCall":"PT2H"},"terrorist_content":{"reminders":["PT15M"],"deadline":"PT1H","suspendAfter":"PT0S","aroundTheClock":true,"nocAtReceipt":true},"phishing":{"reminders":["PT24H"],"deadline":"PT48H"},"malware":{"reminders":["PT24H"],"deadline":"PT48H"},"spam":{"reminders":["PT72H"],"deadline":"P5D"},"copyright":{"reminders":["PT72H"],"deadline":"P5D"},"other":{"reminders":["PT72H"],"deadline":"P5D"}}`;
const DEMO_V3 = `{"csam":{"reminders":["PT6S","PT18S"],"deadline":"PT24S","suspendAfter":"PT4S","lastCall":"PT2S"},"terrorist_content":{"reminders":["PT3S"],"deadline":"PT12S","suspendAfter":"PT0S","aroundTheClock":true,"nocAtReceipt":true},"phishing":{"reminders":["PT24S"],"deadline":"PT48S"},"malware":{"reminders":["PT24S"],"deadline":"PT48S"},"spam":{"reminders":["PT30S"],"deadline":"PT60S"},"copyright":{"reminders":["PT30S"],"deadline":"PT60S"},"other":{"reminders":["PT30S"],"deadline":"PT60S"}}`;

export class PolicyRemovalOrders1796090000000 implements MigrationInterface {
  name = 'PolicyRemovalOrders1796090000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `INSERT INTO policies (id, version, categories, effective_from) VALUES
         ('default', 3, $1::jsonb, now()), ('demo', 3, $2::jsonb, now())`,
      [DEFAULT_V3, DEMO_V3],
    );
  }

  async down(q: QueryRunner): Promise<void> {
    // Notices pinned to version 3 fall back to version 2: the same timers, the NOC asked after the deadline.
    await q.query(
      `UPDATE notices SET policy_version = 2 WHERE policy_id IN ('default', 'demo') AND policy_version = 3`,
    );
    await q.query(`DELETE FROM policies WHERE id IN ('default', 'demo') AND version = 3`);
  }
}
