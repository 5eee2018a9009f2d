import * as path from 'node:path';
import { writeBuiltBundle } from './workflow-bundle';

/**
 * `npm run build`'s step after the compiler: bundles the compiled workflows once, into dist/workflow-bundle.js, so
 * that a worker of this build loads them instead of running webpack at every start (`workflowSource`).
 */
const dist = path.resolve(__dirname, '..', '..', '..');
writeBuiltBundle(dist).then(
  (file) => process.stderr.write(`workflow bundle: ${path.relative(process.cwd(), file)}\n`),
  (err: unknown) => {
    process.stderr.write(
      `bundling the workflows failed: ${err instanceof Error ? err.stack : String(err)}\n`,
    );
    process.exit(1);
  },
);
