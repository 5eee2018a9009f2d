import { AsyncLocalStorage } from 'node:async_hooks';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { getMetadataArgsStorage } from 'typeorm';
import { NoticeEntity } from '@takedown/persistence';

/**
 * The setup file that keeps a lane's test files from holding on to each other (test/support/file-isolation.ts),
 * checked where it matters: in the integration project, whose global setup has loaded TypeORM and the entities in
 * jest's own realm before any file runs.
 */
describe('test file isolation', () => {
  it("gives each file TypeORM metadata of its own, not the outer realm's", () => {
    const tables = getMetadataArgsStorage().tables;
    expect(tables.some((t) => t.target === NoticeEntity)).toBe(true);
    // A class made in another realm (jest's own, or an earlier file's context) is not an instance of this one's Function.
    const foreign = tables.filter((t) => typeof t.target === 'function' && !(t.target instanceof Function));
    expect(foreign.map((t) => t.name ?? (t.target as { name: string }).name)).toEqual([]);
  });

  it("releases at each file's start what the files before it left registered", () => {
    const release = (AsyncLocalStorage as unknown as Record<symbol, () => void>)[
      Symbol.for('takedown.test.releaseFileRegistrations')
    ];
    const storage = new AsyncLocalStorage<string>();
    storage.enterWith('left by an earlier file');
    const delay = monitorEventLoopDelay();
    delay.enable();
    expect(storage.getStore()).toBe('left by an earlier file');

    release();

    expect(storage.getStore()).toBeUndefined();
    // enable() answers whether it changed anything: it had been disabled.
    expect(delay.enable()).toBe(true);
    delay.disable();
  });
});
