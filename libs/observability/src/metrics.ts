import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per process, with Node's default process metrics under the given prefix. */
export function createRegistry(app: 'api' | 'worker'): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ app });
  collectDefaultMetrics({ register: registry, prefix: 'takedown_' });
  return registry;
}

export function httpDurationHistogram(registry: Registry): Histogram<'method' | 'route' | 'status'> {
  return new Histogram({
    name: 'takedown_http_request_duration_seconds',
    help: 'HTTP request latency by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
}

export interface WorkerTaskMetrics {
  activities: Counter<'activity' | 'result'>;
  activityDuration: Histogram<'activity'>;
}

export function workerTaskMetrics(registry: Registry): WorkerTaskMetrics {
  return {
    activities: new Counter({
      name: 'takedown_worker_activity_tasks_total',
      help: 'Activity tasks executed by this worker, by activity and result (completed, failed)',
      labelNames: ['activity', 'result'],
      registers: [registry],
    }),
    activityDuration: new Histogram({
      name: 'takedown_worker_activity_duration_seconds',
      help: 'Activity execution time by activity',
      labelNames: ['activity'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
  };
}

/** The worker's business figures: emails by how their send ended, feedback webhooks that failed and are retried. */
export interface WorkerBusinessMetrics {
  emails: Counter<'result'>;
  /** Deliveries (by key) whose last attempt failed and that have not succeeded since. */
  feedbackPending: Set<string>;
}

export function workerBusinessMetrics(registry: Registry): WorkerBusinessMetrics {
  const feedbackPending = new Set<string>();
  new Gauge({
    name: 'takedown_feedback_deliveries_pending',
    help: 'Feedback webhooks to sources that failed and are being retried (this worker process)',
    registers: [registry],
    collect() {
      this.set(feedbackPending.size);
    },
  });
  return {
    emails: new Counter({
      name: 'takedown_emails_total',
      help: 'Emails by how the send ended: sent, refused (by the server), failed (before it took the message), unknown, withheld',
      labelNames: ['result'],
      registers: [registry],
    }),
    feedbackPending,
  };
}
