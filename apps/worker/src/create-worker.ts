import type { INestApplicationContext } from '@nestjs/common';
import {
  NativeConnection,
  Worker,
  type ActivityInboundCallsInterceptor,
  type DataConverter,
  type WorkerOptions,
} from '@temporalio/worker';
import type { WorkerTaskMetrics } from '@takedown/observability';
import type { NoticeActivities } from '@takedown/workflows/activities';
import type { AppealActivities } from '@takedown/workflows/appeal-activities';
import type { CustomerWebhookActivities } from '@takedown/workflows/customer-webhook-activities';
import type { OrderPagingActivities } from '@takedown/workflows/order-paging.workflow';
import type { PortalLinkActivities } from '@takedown/workflows/portal-link.workflow';
import type { ScheduleActivities } from '@takedown/workflows/schedules/activities';
import type { StandingActivities } from '@takedown/workflows/standing-activities';
import type { TerminationActivities } from '@takedown/workflows/termination-activities';
import { CustomerWebhooks } from './customer-webhooks';
import { AppealActivitiesService } from './appeal-activities.service';
import { NoticeActivitiesService } from './notice-activities.service';
import { PortalLinks } from './portal-links';
import { RemovalProbe } from './removal-probe';
import { NotificationActivitiesService } from './notification-activities.service';
import { OrderPaging } from './order-paging';
import { ScheduleActivitiesService } from './schedule-activities.service';
import { StandingActivitiesService } from './standing-activities.service';
import { TerminationActivitiesService } from './termination-activities.service';
import { workflowSource } from './workflow-bundle';
import type { WorkerTuning } from './worker-settings';

export interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** `temporalDataConverter(env)`: payloads encrypted as the API's client encrypts them. */
  dataConverter: DataConverter;
  /** The Nest container that provides the activities (see WorkerModule). */
  container: INestApplicationContext;
  metrics?: WorkerTaskMetrics;
  /** Cache and concurrency limits; unset, the SDK's defaults. */
  tuning?: WorkerTuning;
  /** How long running activities may finish after `shutdown()` before they are cancelled; unset, at once. */
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
  /** Told where the workflow code comes from (`workflowSource`). */
  log?: (line: string) => void;
}

/** Builds the Takedown worker; the same function serves `npm start`, production and the tests. */
export async function createWorker(opts: CreateWorkerOptions): Promise<Worker> {
  const notices = opts.container.get(NoticeActivitiesService);
  const notifications = opts.container.get(NotificationActivitiesService);
  const standing = opts.container.get(StandingActivitiesService);
  const termination = opts.container.get(TerminationActivitiesService);
  const customerWebhooks = opts.container.get(CustomerWebhooks);
  const portalLinks = opts.container.get(PortalLinks);
  const paging = opts.container.get(OrderPaging);
  const schedules = opts.container.get(ScheduleActivitiesService);
  const appeals = opts.container.get(AppealActivitiesService);
  const probe = opts.container.get(RemovalProbe);
  // Bound methods: the worker calls activities as plain functions.
  const activities: NoticeActivities &
    StandingActivities &
    TerminationActivities &
    CustomerWebhookActivities &
    PortalLinkActivities &
    OrderPagingActivities &
    ScheduleActivities &
    AppealActivities = {
    recordEvent: notices.recordEvent.bind(notices),
    attributeNotice: notices.attributeNotice.bind(notices),
    receiveNotice: notices.receiveNotice.bind(notices),
    notifyCustomer: async (email) => {
      const sent = await notifications.notifyCustomer(email);
      // The timeline states no delivery it cannot know: an email whose first delivery was unconfirmed says so.
      if (sent === 'resent') {
        await notices.recordEvent({
          noticeId: email.noticeId,
          key: `${email.key}:resent`,
          type: 'email_resent',
          actor: 'workflow',
          reason: 'delivery unconfirmed by the mail server: sent again under the same Message-ID',
          data: { email: email.key },
          at: new Date().toISOString(),
        });
      }
      // The step the email stands for, in the same activity, once the server confirmed it: a retry after a failed
      // write finds the delivery confirmed, sends nothing and writes the step.
      if (email.then) await notices.recordEvent(email.then);
    },
    openTask: notifications.openTask.bind(notifications),
    remindTask: notifications.remindTask.bind(notifications),
    closeTasks: notifications.closeTasks.bind(notifications),
    sendSuspensionStatement: notifications.sendSuspensionStatement.bind(notifications),
    sendSourceFeedback: notifications.sendSourceFeedback.bind(notifications),
    feedStanding: standing.feedStanding.bind(standing),
    probeRemoval: probe.probeRemoval.bind(probe),
    loadStanding: standing.loadStanding.bind(standing),
    recordStanding: standing.recordStanding.bind(standing),
    sendStandingLetter: standing.sendStandingLetter.bind(standing),
    openTerminationCase: standing.openTerminationCase.bind(standing),
    loadCase: termination.loadCase.bind(termination),
    recordCaseEvent: termination.recordCaseEvent.bind(termination),
    openCaseTask: termination.openCaseTask.bind(termination),
    remindCaseTask: termination.remindCaseTask.bind(termination),
    closeCaseTasks: termination.closeCaseTasks.bind(termination),
    sendTerminationLetter: termination.sendTerminationLetter.bind(termination),
    setCustomerStatus: termination.setCustomerStatus.bind(termination),
    releasePrefixes: termination.releasePrefixes.bind(termination),
    deliverCustomerWebhook: customerWebhooks.deliverCustomerWebhook.bind(customerWebhooks),
    failCustomerWebhook: customerWebhooks.failCustomerWebhook.bind(customerWebhooks),
    sendPortalLinks: portalLinks.sendPortalLinks.bind(portalLinks),
    orderNeedsPaging: paging.orderNeedsPaging.bind(paging),
    pageOnCall: paging.pageOnCall.bind(paging),
    exportAuditHead: schedules.exportAuditHead.bind(schedules),
    runRetention: schedules.runRetention.bind(schedules),
    submitStatements: schedules.submitStatements.bind(schedules),
    sendNotifierReceipts: notifications.sendNotifierReceipts.bind(notifications),
    informContentProviders: notifications.informContentProviders.bind(notifications),
    recordAppealStep: appeals.recordAppealStep.bind(appeals),
  };
  const metrics = opts.metrics;
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    dataConverter: opts.dataConverter,
    activities,
    ...opts.tuning,
    // The SDK takes an absent option for its default, not an undefined one.
    ...(opts.shutdownGraceTime !== undefined ? { shutdownGraceTime: opts.shutdownGraceTime } : {}),
    ...workflowSource(opts.log),
    interceptors: metrics
      ? { activity: [(ctx) => ({ inbound: countingInterceptor(metrics, ctx.info.activityType) })] }
      : undefined,
  });
}

function countingInterceptor(
  metrics: WorkerTaskMetrics,
  activityType: string,
): ActivityInboundCallsInterceptor {
  return {
    async execute(input, next) {
      const stop = metrics.activityDuration.startTimer({ activity: activityType });
      try {
        const result = await next(input);
        metrics.activities.inc({ activity: activityType, result: 'completed' });
        return result;
      } catch (err) {
        metrics.activities.inc({ activity: activityType, result: 'failed' });
        throw err;
      } finally {
        stop();
      }
    },
  };
}
