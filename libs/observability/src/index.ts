export * from './metrics';
export * from './logging';
