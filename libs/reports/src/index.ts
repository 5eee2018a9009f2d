export * from './termination-report';
export * from './termination-pdf';
