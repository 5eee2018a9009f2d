export { noticeWorkflow } from './notice.workflow';
export { customerStandingWorkflow } from './customer-standing.workflow';
export { terminationWorkflow } from './termination.workflow';
export { sourceFeedbackWorkflow } from './source-feedback.workflow';
export { auditHeadWorkflow } from './schedules/audit-head.workflow';
export { retentionWorkflow } from './schedules/retention.workflow';
export { transparencyDbWorkflow } from './schedules/transparency-db.workflow';
