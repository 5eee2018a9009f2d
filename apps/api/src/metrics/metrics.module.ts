import { Controller, Get, Header, Injectable, Module, type NestMiddleware } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { NextFunction, Request, Response } from 'express';
import { Public } from '../auth/access';
import { ApiMetrics } from './api-metrics';
import { BusinessMetricsService } from './business-metrics.service';

/** Times every request, labelled by its route pattern (not the raw path, which would explode the label set). */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: ApiMetrics) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const end = this.metrics.httpDuration.startTimer();
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path;
      end({
        method: req.method,
        route: route ? `${req.baseUrl}${route}` : 'unmatched',
        status: String(res.statusCode),
      });
    });
    next();
  }
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
  providers: [ApiMetrics, HttpMetricsMiddleware, BusinessMetricsService],
  controllers: [MetricsController],
  exports: [ApiMetrics, HttpMetricsMiddleware],
})
export class MetricsModule {}
