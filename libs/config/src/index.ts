export * from './env';
export * from './temporal-connection';
export * from './local-stack';
export * from './ports';
export * from './payload-codec';
export * from './url-hash-keys';
export * from './local-key';
