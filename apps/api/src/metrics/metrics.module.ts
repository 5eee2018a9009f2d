import { Controller, Get, Header, Injectable, Module } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { onResponseHookHandler } from 'fastify';
import { Public } from '../auth/access';
import { ApiMetrics } from './api-metrics';
import { BusinessMetricsService } from './business-metrics.service';

/**
 * Times every request (Fastify's own clock, from the request's arrival), labelled by its route pattern (not the raw
 * path, which would explode the label set); create-app installs it as an onResponse hook.
 */
@Injectable()
export class HttpMetrics {
  constructor(private readonly metrics: ApiMetrics) {}

  readonly onResponse: onResponseHookHandler = (req, reply, done) => {
    this.metrics.httpDuration.observe(
      {
        method: req.method,
        route: req.routeOptions.url ?? 'unmatched',
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
    done();
  };
}

@ApiTags('system')
@Public()
// Scrapers poll it; a rate limit would leave gaps in the graphs.
@SkipThrottle()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: ApiMetrics) {}

  @Get()
  @ApiOperation({
    summary:
      'Prometheus metrics: the abuse desk’s figures (open, overdue and unattended notices, open tasks, intake by ' +
      'channel) and the API process’s own (HTTP latency histograms, process metrics)',
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition format' })
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}

@Module({
  providers: [ApiMetrics, HttpMetrics, BusinessMetricsService],
  controllers: [MetricsController],
  exports: [ApiMetrics, HttpMetrics],
})
export class MetricsModule {}
