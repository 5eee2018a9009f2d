// `npm run bench:NAME -- ARGS`: runs bench/NAME.ts compiled, as production runs the code. Under ts-node a bench's
// process also loaded Node's REPL (ts-node's index requires it), and with it the domain module, which puts a check on
// every EventEmitter and every callback from native code. bench:api, attribution at 32 clients, three runs of each
// taking turns: the API 2,055 / 1,979 / 2,086 requests/s under ts-node, 2,413 / 2,498 / 2,415 compiled; 0.48x the raw
// server's (median) under ts-node, 0.53x compiled.
// Plain JavaScript, as it runs before anything is compiled. BENCH_BUILD (the tests' bounded form) names a build made
// already; otherwise this project's dist/ is built when a source changed since the last build. The bench's workers
// run from the same build.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import process from 'node:process';

const [name, ...args] = process.argv.slice(2);
if (!name || !fs.existsSync(path.join('bench', `${name}.ts`))) {
  process.stderr.write(`usage: node bench/run.mjs NAME [ARGS...], NAME a file of bench/ without .ts\n`);
  process.exit(2);
}
const build = process.env.BENCH_BUILD;
if (!build) {
  const built = spawnSync(process.execPath, ['apps/dev/build-if-changed.mjs'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (built.status !== 0) process.exit(built.status ?? 1);
}
const entry = path.join(build ?? '.', 'dist', 'bench', `${name}.js`);
const child = spawn(process.execPath, [entry, ...args], { stdio: 'inherit' });
// The bench cleans up its stack when it is stopped, and this process waits for it to leave: a terminal's Ctrl-C reaches
// both (one process group), a SIGTERM this one only, which passes it on.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
