import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Verified removal (issue 22): version 6 of the built-in timer policies is version 5 with a probe of a phishing or
 * malware removal claim by HEAD requests (three misses five minutes apart mean offline; demo: two, two seconds
 * apart). Never for CSAM or terrorist content. Added, never changed, so notices received before keep their version.
 */
export class PolicyRemovalProbe1796330000000 implements MigrationInterface {
  name = 'PolicyRemovalProbe1796330000000';

  async up(q: QueryRunner): Promise<void> {
    for (const [id, probe] of [
      ['default', { probeRemoval: true, probeTimeout: 'PT5S', probeMisses: 3, probeInterval: 'PT5M' }],
      ['demo', { probeRemoval: true, probeTimeout: 'PT2S', probeMisses: 2, probeInterval: 'PT2S' }],
    ] as const) {
      await q.query(
        `INSERT INTO policies (id, version, categories, effective_from, created_by)
         SELECT id, 6,
                jsonb_set(jsonb_set(categories, '{phishing}', categories->'phishing' || $2::jsonb),
                          '{malware}', categories->'malware' || $2::jsonb),
                now(), 'system:migration'
           FROM policies WHERE id = $1 AND version = 5`,
        [id, JSON.stringify(probe)],
      );
    }
  }

  async down(q: QueryRunner): Promise<void> {
    // Notices pinned to version 6 fall back to version 5: the same timers, claims checked by the desk alone.
    await q.query(
      `UPDATE notices SET policy_version = 5 WHERE policy_id IN ('default', 'demo') AND policy_version = 6`,
    );
    await q.query(`DELETE FROM policies WHERE id IN ('default', 'demo') AND version = 6`);
  }
}
