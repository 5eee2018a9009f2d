import { BadRequestException, ValidationPipe, type ValidationError } from '@nestjs/common';

/**
 * Rejects bad input with a 400 that names each offending field (`urls.0: must be a URL`), strips unknown
 * properties and turns query strings into the declared types.
 */
export function validationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => {
      const fields = flatten(errors);
      return new BadRequestException({
        statusCode: 400,
        code: 'REQUEST.INVALID',
        message: fields.map((f) => `${f.field}: ${f.problems.join(', ')}`).join('; '),
        fields,
      });
    },
  });
}

function flatten(errors: ValidationError[], prefix = ''): { field: string; problems: string[] }[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, problems: Object.values(e.constraints) }] : [];
    return [...own, ...flatten(e.children ?? [], field)];
  });
}
