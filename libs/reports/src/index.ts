export * from './termination-report';
export * from './termination-pdf';
export * from './letter-pdf';
export * from './signing';
export * from './verify';
export * from './snapshot';
export * from './statement-of-reasons';
export * from './order-completion';
