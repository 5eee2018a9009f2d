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
    const field = prefix ? `${prefix}.${fieldName(e.property)}` : fieldName(e.property);
    const problems = Object.entries(e.constraints ?? {}).map(([rule, problem]) =>
      // class-validator's words repeat the property's name, which the client chose: it may be a reported URL.
      rule === 'whitelistValidation' ? 'is not a property this route takes' : problem,
    );
    const own = problems.length ? [{ field, problems }] : [];
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/**
 * A property name as an error may repeat it: the names a DTO declares and array indexes as they are, any other
 * name (a client's own, which may be a URL or anything else) as `[property]`.
 */
export function fieldName(name: string): string {
  return /^[\w-]{1,64}$/.test(name) ? name : '[property]';
}
