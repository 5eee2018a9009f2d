import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.join(__dirname, '..', '..');

/** Every import specifier of the TypeScript files under `dir`, with the file and whether it is type-only. */
function importsUnder(dir: string): { file: string; from: string; typeOnly: boolean }[] {
  const found: { file: string; from: string; typeOnly: boolean }[] = [];
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts')) {
        const source = fs.readFileSync(full, 'utf8');
        for (const m of source.matchAll(/^(import|export)(\s+type)?[^'"]*?from\s+'([^']+)'/gms)) {
          found.push({ file: path.relative(root, full), from: m[3], typeOnly: !!m[2] });
        }
        // A module loaded when needed (`await import('…')`) is as much a dependency as one imported at the top.
        for (const m of source.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)) {
          found.push({ file: path.relative(root, full), from: m[1], typeOnly: false });
        }
      }
    }
  };
  walk(path.join(root, dir));
  return found;
}

const violations = (
  dir: string,
  allowed: (imp: { file: string; from: string; typeOnly: boolean }) => boolean,
): string[] => importsUnder(dir).flatMap((i) => (allowed(i) ? [] : [`${i.file} imports ${i.from}`]));

/** A relative import that stays inside `dir`. */
const inside = (dir: string, i: { file: string; from: string }) =>
  i.from.startsWith('.') &&
  !path.relative(path.join(root, dir), path.resolve(root, path.dirname(i.file), i.from)).startsWith('..');

const takedown = (from: string) => from.startsWith('@takedown/');

/** The layers of STYLE.md, checked on the sources: data flows one way, and the domain knows nothing of the rest. */
describe('layers', () => {
  it('keeps libs/domain pure: no other part of Takedown, no I/O (so workflows may use it)', () => {
    // @noble/hashes: SHA-256 and HMAC in plain TypeScript (anonymised URLs), no node:crypto. zod: policy validation.
    const pure = [
      'ipaddr.js',
      'iso8601-duration',
      'zod',
      '@noble/hashes/hmac',
      '@noble/hashes/sha256',
      '@noble/hashes/utils',
    ];
    expect(violations('libs/domain/src', (i) => i.from.startsWith('./') || pure.includes(i.from))).toEqual(
      [],
    );
  });

  it('lets libs/config depend on the domain only', () => {
    expect(violations('libs/config/src', (i) => !takedown(i.from) || i.from === '@takedown/domain')).toEqual(
      [],
    );
  });

  it('keeps persistence below the report builders: what both need (anonymised URLs) is in the domain', () => {
    expect(violations('libs/persistence/src', (i) => !i.from.startsWith('@takedown/reports'))).toEqual([]);
  });

  it('keeps the libraries free of the apps', () => {
    expect(
      violations(
        'libs',
        (i) => !i.from.startsWith('@takedown/api') && !i.from.startsWith('@takedown/worker'),
      ),
    ).toEqual([]);
  });

  it('lets workflow code import only the workflow SDK, the pure domain, its own files and types', () => {
    const deterministic = (i: { file: string; from: string; typeOnly: boolean }) =>
      i.from === '@temporalio/workflow' ||
      // The domain by module (`@takedown/domain/notice-clock`) keeps the bundle small; see workflow-bundle.spec.ts.
      i.from === '@takedown/domain' ||
      /^@takedown\/domain\/[\w-]+$/.test(i.from) ||
      inside('workflows', i) ||
      i.typeOnly;
    expect(violations('workflows', deterministic)).toEqual([]);
  });

  it('lets intake depend on notices, never notices on intake', () => {
    // The intake library (`@takedown/intake`, the shapes of a parsed report) is below both; the API's intake is not.
    expect(violations('apps/api/src/notices', (i) => !/^\.\.?\/(\.\.\/)*intake\//.test(i.from))).toEqual([]);
  });

  it('keeps the API and the worker apart: each talks to the other through Temporal only', () => {
    expect(violations('apps/api/src', (i) => !i.from.startsWith('@takedown/worker'))).toEqual([]);
    expect(violations('apps/worker/src', (i) => !i.from.startsWith('@takedown/api'))).toEqual([]);
  });

  it('keeps npm start’s application (apps/dev, embedded PostgreSQL and all) out of the API, worker, CLI and libs', () => {
    const notDev = (i: { from: string }) => !/^@takedown\/dev(\/|$)/.test(i.from);
    for (const dir of ['apps/api/src', 'apps/worker/src', 'apps/cli/src', 'libs', 'workflows']) {
      expect(violations(dir, notDev)).toEqual([]);
    }
  });
});
