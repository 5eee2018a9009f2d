import { DefaultLogger, Runtime } from '@temporalio/worker';

// Worker life-cycle chatter at INFO would bury the test output; warnings and errors still show.
Runtime.install({ logger: new DefaultLogger('WARN') });
