export * from './render';
export * from './customer-notice';
export * from './task';
export * from './source-feedback';
export * from './standing-letter';
export * from './termination';
export * from './portal-link';
export * from './notifier-receipt';
