import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.join(__dirname, '..', '..');

/** Every `patched('<id>')` in the workflows' code, read from the files themselves. */
function patchesInCode(dir: string): Set<string> {
  const found = new Set<string>();
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) for (const p of patchesInCode(file)) found.add(p);
    else if (entry.name.endsWith('.ts')) {
      for (const m of fs.readFileSync(file, 'utf8').matchAll(/patched\('([^']+)'\)/g)) found.add(m[1]);
    }
  }
  return found;
}

/** The README and docs/versioning.md name every patch the code asks, so that a reader finds each one's story. */
describe('the patches the docs list', () => {
  const patches = [...patchesInCode(path.join(root, 'workflows'))];

  it('finds the patches in the code', () => {
    expect(patches).toEqual(expect.arrayContaining(['standing-feed', 'removal-probe', 'appeal-reversals']));
  });

  it.each(['README.md', 'docs/versioning.md'])('%s names each of them', (doc) => {
    const text = fs.readFileSync(path.join(root, doc), 'utf8');
    expect(patches.filter((p) => !text.includes(`\`${p}\``))).toEqual([]);
  });
});
