import type { LoggerService } from '@nestjs/common';
import type { LogLevel as SdkLogLevel, LogMetadata, Logger as SdkLogger } from '@temporalio/common';
import pino, { type DestinationStream, type Logger, type LevelWithSilent } from 'pino';

/**
 * One pino logger per process: JSON lines, no colours, whatever the terminal. The worker routes Nest's and the
 * Temporal SDK's (and its Rust core's) logs through it, so its log file is JSON from the first line to the last.
 */
export function processLogger(
  app: 'api' | 'worker' | 'mail-intake',
  level: string,
  destination?: DestinationStream,
): Logger {
  const options = { level: level as LevelWithSilent, base: { app, pid: process.pid } };
  return destination ? pino(options, destination) : pino(options);
}

const SDK_TO_PINO: Record<SdkLogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** The Temporal SDK's logger interface on pino (the runtime's, the workflows' and the activities' log lines). */
export function temporalLogger(log: Logger): SdkLogger {
  const write = (level: SdkLogLevel, message: string, meta?: LogMetadata) =>
    log[SDK_TO_PINO[level]]({ temporal: true, ...meta }, message);
  return {
    log: write,
    trace: (message, meta) => write('TRACE', message, meta),
    debug: (message, meta) => write('DEBUG', message, meta),
    info: (message, meta) => write('INFO', message, meta),
    warn: (message, meta) => write('WARN', message, meta),
    error: (message, meta) => write('ERROR', message, meta),
  };
}

type NestLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/**
 * Nest's logger interface on pino: Nest passes the context (the class name) last, and an error's stack before it.
 * An object with a text after it (`logger.error({ noticeId }, 'bulk action failed')`) is a line of those fields with
 * that message, as pino writes `log.error(fields, message)`. `logger` may be a function, asked at each line for the
 * line's level (the API's: bound to the request being served).
 */
export function nestLogger(logger: Logger | ((level: NestLevel) => Logger)): LoggerService {
  const write =
    (level: NestLevel) =>
    (message: unknown, ...params: unknown[]) => {
      const log = typeof logger === 'function' ? logger(level) : logger;
      const context =
        params.length && typeof params[params.length - 1] === 'string' ? params.pop() : undefined;
      const text = params.find((p) => typeof p === 'string');
      if (typeof message === 'object' && message !== null && !(message instanceof Error)) {
        const fields = { ...(context ? { context } : {}), ...message };
        if (text === undefined) log[level](fields);
        else log[level](fields, text);
        return;
      }
      const stack = level === 'error' || level === 'fatal' ? text : undefined;
      const fields = { ...(context ? { context } : {}), ...(stack ? { stack } : {}) };
      if (message instanceof Error) log[level]({ ...fields, err: message }, message.message);
      else log[level](fields, String(message));
    };
  return {
    log: write('info'),
    error: write('error'),
    warn: write('warn'),
    debug: write('debug'),
    verbose: write('trace'),
    fatal: write('fatal'),
  };
}
