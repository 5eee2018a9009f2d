import { Controller, Get, Inject, Logger } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { SkipThrottle } from '@nestjs/throttler';
import { Connection } from '@temporalio/client';
import { Public } from '../auth/access';
import { PostgresProbe } from './postgres-probe';

@ApiTags('system')
@Public()
// Probes poll it; a rate limit must not make a healthy API look down.
@SkipThrottle()
@Controller('health')
export class HealthController {
  private readonly logger = new Logger(HealthController.name);

  constructor(
    private readonly health: HealthCheckService,
    private readonly postgres: PostgresProbe,
    private readonly indicators: HealthIndicatorService,
    @Inject(Connection) private readonly temporal: Connection,
  ) {}

  @Get()
  @HealthCheck()
  @ApiOperation({
    summary: 'Health of the API and of each part it needs: PostgreSQL and Temporal, reported separately',
  })
  @ApiOkResponse({ description: 'Every part is up' })
  @ApiServiceUnavailableResponse({
    description:
      "At least one part is down; the body says which, never why (the driver's words go to the log)",
  })
  check() {
    return this.health.check([() => this.postgresCheck(), () => this.temporalCheck()]);
  }

  private async postgresCheck() {
    const session = this.indicators.check('postgres');
    try {
      await this.postgres.ping(2000);
      return session.up();
    } catch (err) {
      return this.down('postgres', session, err);
    }
  }

  /**
   * The body says up or down only: a driver's error names hosts, ports, users and database names, which this public
   * route must not tell whoever asks. The log keeps it.
   */
  private down(part: string, session: ReturnType<HealthIndicatorService['check']>, err: unknown) {
    this.logger.warn({ part, err: (err as Error).message }, 'health check failed');
    return session.down();
  }

  private async temporalCheck() {
    const session = this.indicators.check('temporal');
    try {
      await this.temporal.withDeadline(Date.now() + 2000, async () => {
        await this.temporal.ensureConnected();
        await this.temporal.workflowService.getSystemInfo({});
      });
      return session.up();
    } catch (err) {
      return this.down('temporal', session, err);
    }
  }
}
