export * from './capture';
export * from './mailbox';
export * from './transport';
export * from './templates';
