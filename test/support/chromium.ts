import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

const CHROMIUM = '/usr/bin/chromium';

/**
 * Flags for a headless Chromium that stays on loopback: without the background-networking ones it calls Google
 * hosts (component updates, sync, variations) on start. No sandbox: the tests run as root in a container.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * The path of Debian's `chromium`, installed with apt when missing (as root only), so that the e2e tests drive a
 * real browser without Playwright downloading one. The first install takes minutes; progress goes to `log`.
 */
export async function ensureChromium(log: (line: string) => void = () => undefined): Promise<string> {
  if (fs.existsSync(CHROMIUM)) return CHROMIUM;
  if (process.getuid?.() !== 0) {
    throw new Error(
      `${CHROMIUM} is missing: install the Debian package \`chromium\` (apt-get install chromium) to run the browser tests`,
    );
  }
  const { stdout } = await promisify(execFile)('apt-cache', ['policy', 'chromium']);
  const candidate = /Candidate:\s*(\S+)/.exec(stdout)?.[1];
  if (!candidate || candidate === '(none)') await run('apt-get', ['update'], log);
  // The lock timeout lets a second jest worker wait for the first one's install instead of failing.
  await run(
    'apt-get',
    ['install', '-y', '--no-install-recommends', '-o', 'DPkg::Lock::Timeout=600', 'chromium'],
    log,
  );
  if (!fs.existsSync(CHROMIUM)) throw new Error(`apt-get installed chromium, but ${CHROMIUM} is not there`);
  return CHROMIUM;
}

function run(command: string, args: string[], log: (line: string) => void): Promise<void> {
  log(`$ ${command} ${args.join(' ')}`);
  const child = spawn(command, args, {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', log);
  }
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) =>
      code === 0
        ? resolve()
        : reject(new Error(`${command} ${args.join(' ')} failed (${signal ?? `exit code ${code}`})`)),
    );
  });
}
