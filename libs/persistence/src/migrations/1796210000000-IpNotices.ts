import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Notices about an address rather than a URL (issue 22). Version 4 of the built-in timer policies adds the IP-based
 * categories (login attacks, scanning, DDoS, web attacks, botnets, compromised hosts, vulnerable services,
 * blocklistings) on slower clocks, without a NOC suspension task, and a day in which a feed's reports of one address
 * join one notice (`aggregationWindow`); added, never changed, so notices received before
 * keep the version they pinned. `report_details` keeps what a report's own format says beyond the native notice
 * (X-ARF's type-specific fields, a hotline's first and last seen), as reported. Frozen here as it was on the day.
 */
const DEFAULT_V4 = `{"csam":{"reminders":["PT6H","PT18H"],"deadline":"PT24H","suspendAfter":"PT4H","lastCall":"PT2H"},"terrorist_content":{"reminders":["PT15M"],"deadline":"PT1H","suspendAfter":"PT0S","aroundTheClock":true,"nocAtReceipt":true},"phishing":{"reminders":["PT24H"],"deadline":"PT48H"},"malware":{"reminders":["PT24H"],"deadline":"PT48H"},"spam":{"reminders":["PT72H"],"deadline":"P5D"},"copyright":{"reminders":["PT72H"],"deadline":"P5D"},"other":{"reminders":["PT72H"],"deadline":"P5D"},"login_attack":{"reminders":["PT72H"],"deadline":"P5D","aggregationWindow":"P1D"},"scanning":{"reminders":["PT72H"],"deadline":"P5D","aggregationWindow":"P1D"},"ddos":{"reminders":["PT24H"],"deadline":"PT72H","aggregationWindow":"P1D"},"web_attack":{"reminders":["PT72H"],"deadline":"P5D","aggregationWindow":"P1D"},"botnet":{"reminders":["PT48H"],"deadline":"P4D","aggregationWindow":"P1D"},"compromised":{"reminders":["PT48H"],"deadline":"P4D","aggregationWindow":"P1D"},"vulnerable_service":{"reminders":["P7D"],"deadline":"P14D","aggregationWindow":"P1D"},"blocklisted":{"reminders":["P7D"],"deadline":"P14D","aggregationWindow":"P1D"}}`;
const DEMO_V4 = `{"csam":{"reminders":["PT6S","PT18S"],"deadline":"PT24S","suspendAfter":"PT4S","lastCall":"PT2S"},"terrorist_content":{"reminders":["PT3S"],"deadline":"PT12S","suspendAfter":"PT0S","aroundTheClock":true,"nocAtReceipt":true},"phishing":{"reminders":["PT24S"],"deadline":"PT48S"},"malware":{"reminders":["PT24S"],"deadline":"PT48S"},"spam":{"reminders":["PT30S"],"deadline":"PT60S"},"copyright":{"reminders":["PT30S"],"deadline":"PT60S"},"other":{"reminders":["PT30S"],"deadline":"PT60S"},"login_attack":{"reminders":["PT30S"],"deadline":"PT60S","aggregationWindow":"P1D"},"scanning":{"reminders":["PT30S"],"deadline":"PT60S","aggregationWindow":"P1D"},"ddos":{"reminders":["PT10S"],"deadline":"PT30S","aggregationWindow":"P1D"},"web_attack":{"reminders":["PT30S"],"deadline":"PT60S","aggregationWindow":"P1D"},"botnet":{"reminders":["PT20S"],"deadline":"PT40S","aggregationWindow":"P1D"},"compromised":{"reminders":["PT20S"],"deadline":"PT40S","aggregationWindow":"P1D"},"vulnerable_service":{"reminders":["PT70S"],"deadline":"PT140S","aggregationWindow":"P1D"},"blocklisted":{"reminders":["PT70S"],"deadline":"PT140S","aggregationWindow":"P1D"}}`;

export class IpNotices1796210000000 implements MigrationInterface {
  name = 'IpNotices1796210000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `INSERT INTO policies (id, version, categories, effective_from, created_by) VALUES
         ('default', 4, $1::jsonb, now(), 'system:migration'), ('demo', 4, $2::jsonb, now(), 'system:migration')`,
      [DEFAULT_V4, DEMO_V4],
    );
    await q.query(`ALTER TABLE notices ADD COLUMN report_details jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE notices DROP COLUMN report_details`);
    // Notices pinned to version 4 fall back to version 3: the same timers for every category version 3 knows.
    await q.query(
      `UPDATE notices SET policy_version = 3 WHERE policy_id IN ('default', 'demo') AND policy_version = 4`,
    );
    await q.query(`DELETE FROM policies WHERE id IN ('default', 'demo') AND version = 4`);
  }
}
