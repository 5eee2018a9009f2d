import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Where the browser tests write their screenshots: a temporary folder on an ordinary run, so that `npm test` leaves
 * the working copy as it was; `docs/screenshots` (committed, shown in the README) when `npm run screenshots`
 * regenerates them (SCREENSHOTS_DIR).
 */
export function screenshotDir(): string {
  const dir = process.env.SCREENSHOTS_DIR
    ? path.resolve(__dirname, '..', '..', process.env.SCREENSHOTS_DIR)
    : path.join(os.tmpdir(), 'takedown-screenshots');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
