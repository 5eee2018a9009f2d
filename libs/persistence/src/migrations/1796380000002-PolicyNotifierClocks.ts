import type { MigrationInterface, QueryRunner } from 'typeorm';

const first = (deadline: string, reminder: string) => ({
  trusted_flagger: { reminders: [reminder], deadline },
  authority: { reminders: [reminder], deadline },
});

/**
 * Who sent it decides the clock (DSA Art. 22; issue 21): version 7 of the built-in timer policies is version 6 with
 * trusted flaggers' and authorities' own deadlines for the categories measured in days: phishing and malware in a day
 * instead of two, spam, copyright and the rest in two days instead of five (demo: the same in seconds). So their
 * notices come first in a queue sorted by time left. Added, never changed: notices received before keep version 6.
 */
export class PolicyNotifierClocks1796380000002 implements MigrationInterface {
  name = 'PolicyNotifierClocks1796380000002';

  async up(q: QueryRunner): Promise<void> {
    for (const [id, fast, slow] of [
      ['default', first('PT24H', 'PT12H'), first('P2D', 'PT24H')],
      ['demo', first('PT24S', 'PT12S'), first('PT30S', 'PT15S')],
    ] as const) {
      const set = (path: string, value: object) =>
        `jsonb_set(%s, '{${path},byNotifier}', '${JSON.stringify(value)}'::jsonb)`;
      const expression = [
        set('phishing', fast),
        set('malware', fast),
        set('spam', slow),
        set('copyright', slow),
        set('other', slow),
      ].reduce((inner, outer) => outer.replace('%s', inner), 'categories');
      await q.query(
        `INSERT INTO policies (id, version, categories, effective_from, created_by)
         SELECT id, 7, ${expression}, now(), 'system:migration' FROM policies WHERE id = $1 AND version = 6`,
        [id],
      );
    }
  }

  async down(q: QueryRunner): Promise<void> {
    // Notices pinned to version 7 fall back to version 6: the same timers but for the notifiers' own.
    await q.query(
      `UPDATE notices SET policy_version = 6 WHERE policy_id IN ('default', 'demo') AND policy_version = 7`,
    );
    await q.query(`DELETE FROM policies WHERE id IN ('default', 'demo') AND version = 7`);
  }
}
