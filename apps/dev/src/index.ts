export * from './ports';
export * from './postgres';
export * from './temporal';
export * from './temporal-server';
export * from './stack';
export * from './pg-client-tools';
export * from './promtool';
export * from './supervise';
