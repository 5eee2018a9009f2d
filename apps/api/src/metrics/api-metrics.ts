import { Injectable } from '@nestjs/common';
import type { Histogram, Registry } from 'prom-client';
import { createRegistry, httpDurationHistogram } from '@takedown/observability';

/** The API's Prometheus registry and its HTTP latency histogram, one per process. */
@Injectable()
export class ApiMetrics {
  readonly registry: Registry = createRegistry('api');
  readonly httpDuration: Histogram<'method' | 'route' | 'status'> = httpDurationHistogram(this.registry);
}
