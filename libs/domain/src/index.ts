export * from './category';
export * from './duration';
export * from './policy';
export * from './notice';
export * from './errors';
export * from './cidr';
export * from './customer';
export * from './task';
