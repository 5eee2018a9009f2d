import * as fs from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const running = globalThis.__takedownStack;
  if (!running) return;
  await running.stack.stop();
  fs.rmSync(running.dir, { recursive: true, force: true });
}
