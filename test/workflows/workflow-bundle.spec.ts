import * as fs from 'node:fs';
import { WORKFLOW_BUNDLE_ENV } from '@takedown/worker/workflow-bundle';

/**
 * The worker evaluates the workflow bundle's modules anew for every workflow it creates (each run has its own module
 * state), so whatever a workflow file imports is paid for per notice. Through `@takedown/domain`'s index the workflows
 * once pulled in zod (policy validation) and @noble/hashes (anonymised URLs): about 11 ms of the worker's CPU per new
 * notice (docs/scaling.md). The workflows import the domain's rules by module (`@takedown/domain/notice-clock`, …).
 */
describe('the workflow bundle', () => {
  const code = fs.readFileSync(process.env[WORKFLOW_BUNDLE_ENV] as string, 'utf8');
  const packages = [...code.matchAll(/\.\/node_modules\/((?:@[\w.-]+\/)?[\w.-]+)\//g)].map((m) => m[1]);
  const domainModules = [...code.matchAll(/\.\/(?:dist\/)?libs\/domain\/src\/([\w-]+)\.[jt]s/g)].map(
    (m) => m[1],
  );

  it('holds only the Temporal SDK and the small libraries the domain rules need, no validation or hashing library', () => {
    expect(packages.length).toBeGreaterThan(0);
    expect([...new Set(packages)].sort()).toEqual(
      expect.arrayContaining(['@temporalio/workflow', 'iso8601-duration']),
    );
    for (const pkg of new Set(packages)) {
      expect([
        '@temporalio/common',
        '@temporalio/workflow',
        'nexus-rpc',
        'long',
        'ms',
        'iso8601-duration',
      ]).toContain(pkg);
    }
  });

  it("takes the domain's rules module by module, not its index (which validates policies with zod)", () => {
    expect(domainModules).toContain('notice-clock');
    expect(domainModules).not.toContain('index');
    expect(domainModules).not.toContain('policy-validation');
    expect(domainModules).not.toContain('anonymised-url');
  });
});
