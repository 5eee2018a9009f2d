import { Injectable, Logger, Module, type LoggerService } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { PostgresProbe } from './postgres-probe';

/**
 * Terminus logs a failed check as an error. A part that is down (PostgreSQL restarting, Temporal unreachable) is an
 * outage that /health reports and the caller retries, not a fault in the API: it is logged as a warning, with the
 * same details, so that error-level lines keep meaning "a bug to look at".
 */
@Injectable()
export class HealthCheckLogger implements LoggerService {
  private readonly logger = new Logger('HealthCheck');

  log(message: unknown, ...rest: unknown[]): void {
    this.logger.log(message, ...rest);
  }

  error(message: unknown, ...rest: unknown[]): void {
    this.logger.warn(message, ...rest);
  }

  warn(message: unknown, ...rest: unknown[]): void {
    this.logger.warn(message, ...rest);
  }
}

@Module({
  imports: [TerminusModule.forRoot({ logger: HealthCheckLogger, errorLogStyle: 'json' })],
  controllers: [HealthController],
  providers: [PostgresProbe],
})
export class HealthModule {}
