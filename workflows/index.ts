export { noticeWorkflow } from './notice.workflow';
