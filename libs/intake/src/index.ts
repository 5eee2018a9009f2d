export * from './notice-input';
export * from './xarf';
export * from './mail';
export * from './sources';
export * from './batch';
