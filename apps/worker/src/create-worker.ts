import type { INestApplicationContext } from '@nestjs/common';
import { NativeConnection, Worker, type ActivityInboundCallsInterceptor } from '@temporalio/worker';
import type { WorkerTaskMetrics } from '@takedown/observability';
import type { NoticeActivities } from '@takedown/workflows/activities';
import { NoticeActivitiesService } from './notice-activities.service';
import { NotificationActivitiesService } from './notification-activities.service';
import { workflowSource } from './workflow-bundle';

export interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** The Nest container that provides the activities (see WorkerModule). */
  container: INestApplicationContext;
  metrics?: WorkerTaskMetrics;
}

/** Builds the Takedown worker; the same function serves `npm start`, production and the tests. */
export async function createWorker(opts: CreateWorkerOptions): Promise<Worker> {
  const notices = opts.container.get(NoticeActivitiesService);
  const notifications = opts.container.get(NotificationActivitiesService);
  // Bound methods: the worker calls activities as plain functions.
  const activities: NoticeActivities = {
    recordEvent: notices.recordEvent.bind(notices),
    attributeNotice: notices.attributeNotice.bind(notices),
    notifyCustomer: notifications.notifyCustomer.bind(notifications),
    openTask: notifications.openTask.bind(notifications),
    remindTask: notifications.remindTask.bind(notifications),
    closeTasks: notifications.closeTasks.bind(notifications),
    sendSourceFeedback: notifications.sendSourceFeedback.bind(notifications),
  };
  const metrics = opts.metrics;
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities,
    ...workflowSource(),
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
