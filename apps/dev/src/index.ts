// The port helpers live in libs/config, so that the worker needs nothing of this application.
export { freePort, waitForPort } from '@takedown/config';
export * from './postgres';
export * from './temporal';
export * from './temporal-server';
export * from './stack';
export * from './pg-client-tools';
export * from './promtool';
export * from './supervise';
