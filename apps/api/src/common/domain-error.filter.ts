import { ArgumentsHost, Catch, HttpStatus, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DomainError } from '@takedown/domain';

/** Domain error codes to HTTP: the suffix of the dotted code says what kind of failure it is. */
const STATUS_BY_SUFFIX: [RegExp, HttpStatus][] = [
  [/\.NOT_FOUND$/, HttpStatus.NOT_FOUND],
  [/\.FORBIDDEN$/, HttpStatus.FORBIDDEN],
  [/\.(CONFLICT|ALREADY_\w+|OVERLAP\w*)$/, HttpStatus.CONFLICT],
  [/\.UNAVAILABLE$/, HttpStatus.SERVICE_UNAVAILABLE],
];

@Catch(DomainError)
export class DomainErrorFilter implements ExceptionFilter {
  catch(error: DomainError, host: ArgumentsHost): void {
    const status =
      error.state !== undefined
        ? HttpStatus.CONFLICT
        : (STATUS_BY_SUFFIX.find(([re]) => re.test(error.code))?.[1] ?? HttpStatus.BAD_REQUEST);
    host
      .switchToHttp()
      .getResponse<FastifyReply>()
      .status(status)
      .send({
        statusCode: status,
        code: error.code,
        message: error.message,
        ...(error.field ? { field: error.field } : {}),
        ...(error.fields?.length ? { fields: error.fields } : {}),
        ...(error.state !== undefined ? { state: error.state } : {}),
      });
  }
}
