export * from './termination-report';
export * from './termination-pdf';
export * from './letter-pdf';
