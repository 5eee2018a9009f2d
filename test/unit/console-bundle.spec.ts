import * as fs from 'node:fs';
import * as path from 'node:path';
import { consoleBuild } from '../support/console-build';

const BUDGET_BYTES = 250 * 1024;

/**
 * The console's first load: the entry chunk and what it imports statically, gzip-compressed, as the build prints
 * it (apps/console/vite.config.ts writes the figure to initial-js.json), in the build the browser tests serve. Pages
 * other than the queue are lazy.
 */
describe('the console bundle', () => {
  let outDir: string;

  beforeAll(async () => {
    outDir = await consoleBuild();
  }, 300_000);

  it('loads at most 250 kB of JavaScript (gzip) at first', () => {
    const initial = JSON.parse(fs.readFileSync(path.join(outDir, 'initial-js.json'), 'utf8')) as {
      files: string[];
      gzipBytes: number;
    };
    expect(initial.gzipBytes).toBeGreaterThan(50 * 1024);
    expect(initial.gzipBytes).toBeLessThanOrEqual(BUDGET_BYTES);
  });

  it('splits the notice and task pages off the first load', () => {
    const initial = JSON.parse(fs.readFileSync(path.join(outDir, 'initial-js.json'), 'utf8')) as {
      files: string[];
    };
    const assets = fs.readdirSync(path.join(outDir, 'assets'));
    expect(assets.some((f) => /^NoticePage-.*\.js$/.test(f))).toBe(true);
    expect(assets.some((f) => /^TasksPage-.*\.js$/.test(f))).toBe(true);
    expect(initial.files.filter((f) => /NoticePage|TasksPage/.test(f))).toEqual([]);
  });

  it('splits the customer portal off the staff console’s first load', () => {
    const initial = JSON.parse(fs.readFileSync(path.join(outDir, 'initial-js.json'), 'utf8')) as {
      files: string[];
    };
    const assets = fs.readdirSync(path.join(outDir, 'assets'));
    expect(assets.some((f) => /^PortalApp-.*\.js$/.test(f))).toBe(true);
    expect(initial.files.filter((f) => /Portal|OpenNoticesPage|StandingPage/.test(f))).toEqual([]);
  });

  it('serves no inline script (the CSP allows none) and links the entry below /console/', () => {
    const html = fs.readFileSync(path.join(outDir, 'index.html'), 'utf8');
    expect(html).toMatch(
      /<script type="module" crossorigin src="\/console\/assets\/index-[\w-]+\.js"><\/script>/,
    );
    expect(html.match(/<script\b[^>]*>[^<]+<\/script>/g)).toBeNull();
  });
});
