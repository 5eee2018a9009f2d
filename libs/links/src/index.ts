export * from './token';
export * from './keys';
