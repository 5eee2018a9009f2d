import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Version 2 of the built-in timer policies: a CSAM last call two hours (demo: two seconds) before the deadline.
 * Versions are added, never changed: a notice received before this migration keeps version 1 and gets no last
 * call; one received after it is pinned to version 2. Frozen here as it was on the day, like version 1.
 */
const DEFAULT_V2 = `{"csam":{"reminders":["PT6H","PT18H"],"deadline":"PT24H","suspendAfter":"PT4H","lastCall":"PT2H"},"terrorist_content":{"reminders":["PT15M"],"deadline":"PT1H","suspendAfter":"PT0S"},"phishing":{"reminders":["PT24H"],"deadline":"PT48H"},"malware":{"reminders":["PT24H"],"deadline":"PT48H"},"spam":{"reminders":["PT72H"],"deadline":"P5D"},"copyright":{"reminders":["PT72H"],"deadline":"P5D"},"other":{"reminders":["PT72H"],"deadline":"P5D"}}`;
const DEMO_V2 = `{"csam":{"reminders":["PT6S","PT18S"],"deadline":"PT24S","suspendAfter":"PT4S","lastCall":"PT2S"},"terrorist_content":{"reminders":["PT3S"],"deadline":"PT12S","suspendAfter":"PT0S"},"phishing":{"reminders":["PT24S"],"deadline":"PT48S"},"malware":{"reminders":["PT24S"],"deadline":"PT48S"},"spam":{"reminders":["PT30S"],"deadline":"PT60S"},"copyright":{"reminders":["PT30S"],"deadline":"PT60S"},"other":{"reminders":["PT30S"],"deadline":"PT60S"}}`;

export class PolicyLastCall1796020000000 implements MigrationInterface {
  name = 'PolicyLastCall1796020000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `INSERT INTO policies (id, version, categories, effective_from) VALUES
         ('default', 2, $1::jsonb, now()), ('demo', 2, $2::jsonb, now())`,
      [DEFAULT_V2, DEMO_V2],
    );
  }

  async down(q: QueryRunner): Promise<void> {
    // Notices pinned to version 2 fall back to version 1: the same timers without the last call.
    await q.query(
      `UPDATE notices SET policy_version = 1 WHERE policy_id IN ('default', 'demo') AND policy_version = 2`,
    );
    await q.query(`DELETE FROM policies WHERE id IN ('default', 'demo') AND version = 2`);
  }
}
