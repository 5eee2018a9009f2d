export * from './render';
export * from './customer-notice';
export * from './task';
export * from './source-feedback';
