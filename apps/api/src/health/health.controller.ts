import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { Connection } from '@temporalio/client';

@ApiTags('system')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @Inject(Connection) private readonly temporal: Connection,
  ) {}

  @Get()
  @HealthCheck()
  @ApiOperation({
    summary: 'Health of the API and of each part it needs: PostgreSQL and Temporal, reported separately',
  })
  @ApiOkResponse({ description: 'Every part is up' })
  @ApiServiceUnavailableResponse({ description: 'At least one part is down; the body says which' })
  check() {
    return this.health.check([
      () => this.db.pingCheck('postgres', { timeout: 2000 }),
      () => this.temporalCheck(),
    ]);
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
      return session.down({ message: (err as Error).message });
    }
  }
}
