export * from './notice-input';
export * from './xarf';
export * from './mail';
export * from './batch';
export * from './mail-auth';
export * from './hotline';
export * from './feed';
export * from './hash-list';
