import { AsyncLocalStorage } from 'node:async_hooks';
import * as vm from 'node:vm';

// The module object itself (an `import *` would be a copy), whose `monitorEventLoopDelay` prom-client calls.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const perfHooks = require('node:perf_hooks') as typeof import('node:perf_hooks');

/**
 * What jest's isolation of test files misses, in a lane that runs some fifty of them in one process: each file gets
 * fresh copies of the modules it loads, but what those copies registered with the process outlived their file and kept
 * its whole module graph alive (about 25 MB a file: the heap reached 1.5 GB in forty files, and garbage collection went
 * from a tenth of the lane's CPU to a quarter). A setup file of every project, run at the start of each test file.
 */

/**
 * TypeORM keeps the entities' decorator metadata in `globalThis.typeormMetadataArgsStorage`. The global setup loads
 * TypeORM (migrations) in jest's own realm, and jest hands every global of that realm to each file's context: so
 * every file's entities were added to the one storage of the outer realm, which kept each file's classes (and through
 * them its context) for good, and made each new DataSource search all files' columns for its own. Each file gets a
 * storage of its own.
 */
Object.defineProperty(globalThis, 'typeormMetadataArgsStorage', {
  configurable: true,
  enumerable: false,
  writable: true,
  value: undefined,
});

/**
 * Three kinds of process-wide registrations that each file's copies of the modules made and nothing undid:
 * - `AsyncLocalStorage`: each copy of a module that keeps a context in one (the API's request log, Temporal's
 *   activity context) enables an instance of its own. Node 20 keeps every enabled instance in one list for the whole
 *   process and runs each of them for every promise and callback created (`_propagate`, from an async_hooks `init`
 *   hook): every promise came to pay for all earlier files' instances.
 * - `PerformanceObserver`: prom-client's default metrics (one registry per API or worker, as in production) observe
 *   garbage collection, and every observer of every earlier file was called at each collection.
 * - `monitorEventLoopDelay`: prom-client's event-loop-lag histogram samples on a timer of its own, forever.
 * At the start of each file, what the files before it registered is released: their apps, workers and connections
 * are closed by then (every file stops what it started in its `afterAll`). The wrappers are made once per process, in
 * jest's own realm: made in a file's context, they would keep that context alive.
 */
type Release = () => void;
const RELEASE = Symbol.for('takedown.test.releaseFileRegistrations');
const holder = AsyncLocalStorage as unknown as { [RELEASE]?: Release };
holder[RELEASE] ??= (
  vm.runInThisContext(`(function install(AsyncLocalStorage, PerformanceObserver, perfHooks) {
    const storages = new Set();
    const observers = new Set();
    const delays = new Set();
    const enable = AsyncLocalStorage.prototype._enable;
    if (typeof enable === 'function') {
      // Node 20: run() and enterWith() both enable through _enable.
      AsyncLocalStorage.prototype._enable = function () {
        storages.add(this);
        return enable.call(this);
      };
    }
    const observe = PerformanceObserver.prototype.observe;
    PerformanceObserver.prototype.observe = function (...args) {
      observers.add(this);
      return observe.apply(this, args);
    };
    const monitor = perfHooks.monitorEventLoopDelay;
    perfHooks.monitorEventLoopDelay = function (...args) {
      const histogram = monitor.apply(this, args);
      delays.add(histogram);
      return histogram;
    };
    return function release() {
      for (const storage of storages) storage.disable();
      for (const observer of observers) observer.disconnect();
      for (const histogram of delays) histogram.disable();
      storages.clear();
      observers.clear();
      delays.clear();
    };
  })`) as (als: unknown, observer: unknown, hooks: unknown) => Release
)(AsyncLocalStorage, perfHooks.PerformanceObserver, perfHooks);
holder[RELEASE]();
