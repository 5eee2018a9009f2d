import * as fs from 'node:fs';
import * as path from 'node:path';
import { cacheDir, run, which } from './temporal';

/** Prometheus 3.x's Go module version (its tags are v3.x, its module versions v0.3xx) that builds with `go install`. */
export const PROMTOOL_MODULE_VERSION = 'v0.316.0';

/**
 * Finds `promtool` (to check the alert rules in docs/ops): on PATH, then in the project's cache, else builds it
 * from the Go module proxy into the cache the way the Temporal CLI is built (several minutes the first time).
 */
export async function ensurePromtool(
  opts: { cacheDir?: string; log?: (line: string) => void } = {},
): Promise<string> {
  const log = opts.log ?? (() => undefined);
  const onPath = which('promtool');
  if (onPath) return onPath;
  const bin = path.join(cacheDir(opts.cacheDir), `promtool-${PROMTOOL_MODULE_VERSION}`);
  const exe = path.join(bin, 'promtool');
  if (fs.existsSync(exe)) return exe;
  if (!which('go')) {
    throw new Error(
      'promtool is not installed and Go is missing to build it: install Go or put promtool on PATH.',
    );
  }
  // Build into a temporary folder and rename, so two concurrent callers never see a half-written binary.
  fs.mkdirSync(path.dirname(bin), { recursive: true });
  const staging = fs.mkdtempSync(path.join(path.dirname(bin), '.promtool-build-'));
  log(`Building promtool (Prometheus module ${PROMTOOL_MODULE_VERSION}) with Go (first run only)...`);
  const started = Date.now();
  try {
    await run('go', ['install', `github.com/prometheus/prometheus/cmd/promtool@${PROMTOOL_MODULE_VERSION}`], {
      env: { ...process.env, GOBIN: staging },
      onLine: (line) => log(`  ${line}`),
    });
    fs.mkdirSync(bin, { recursive: true });
    fs.renameSync(path.join(staging, 'promtool'), exe);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  log(`promtool built in ${Math.round((Date.now() - started) / 1000)} s: ${exe}`);
  return exe;
}
