export { noticeWorkflow } from './notice.workflow';
export { customerStandingWorkflow } from './customer-standing.workflow';
export { terminationWorkflow } from './termination.workflow';
export { sourceFeedbackWorkflow } from './source-feedback.workflow';
export { customerWebhookWorkflow } from './customer-webhook.workflow';
export { portalLinkWorkflow } from './portal-link.workflow';
