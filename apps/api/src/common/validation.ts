import { BadRequestException, ValidationPipe, type ValidationError } from '@nestjs/common';
import { getMetadataStorage, type MetadataStorage } from 'class-validator';

/**
 * Rejects bad input with a 400 that names each offending field (`urls.0: must be a URL`), strips unknown
 * properties and turns query strings into the declared types.
 */
export function validationPipe(): ValidationPipe {
  cacheRuleLookups(getMetadataStorage());
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

const CACHED = Symbol.for('takedown.validation.cachedRuleLookups');
type Rules = ReturnType<MetadataStorage['getTargetValidationMetadatas']>;
type Target = Parameters<MetadataStorage['getTargetValidationMetadatas']>[0];

/**
 * class-validator finds a DTO's rules anew for every value it validates: it filters the rules of the class and then
 * tests the class against every other class that has rules (an `instanceof` each, for inherited ones), and groups
 * them by property. The rules change only when a module with decorators is loaded, so the answers are kept per
 * class and options here, and forgotten whenever a rule or schema is added. At 32 clients on `GET /v1/attribution`
 * the lookups were 3 % of the API's CPU (bench:api, docs/scaling.md). Installed once per process, on the one storage
 * that class-validator's decorators fill.
 */
export function cacheRuleLookups(storage: MetadataStorage): void {
  const marked = storage as MetadataStorage & { [CACHED]?: true };
  if (marked[CACHED]) return;
  marked[CACHED] = true;
  const find = storage.getTargetValidationMetadatas.bind(storage);
  const group = storage.groupByPropertyName.bind(storage);
  const addRule = storage.addValidationMetadata.bind(storage);
  const addSchema = storage.addValidationSchema.bind(storage);
  let found = new Map<Target, Map<string, Rules>>();
  let grouped = new WeakMap<Rules, ReturnType<MetadataStorage['groupByPropertyName']>>();
  const forget = () => {
    found = new Map();
    grouped = new WeakMap();
  };
  storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    const key = JSON.stringify([schema, always, strictGroups, groups ?? null]);
    let byOptions = found.get(target);
    if (!byOptions) found.set(target, (byOptions = new Map()));
    let rules = byOptions.get(key);
    if (!rules) byOptions.set(key, (rules = find(target, schema, always, strictGroups, groups)));
    return rules;
  };
  storage.groupByPropertyName = (rules) => {
    let byProperty = grouped.get(rules);
    if (!byProperty) grouped.set(rules, (byProperty = group(rules)));
    return byProperty;
  };
  storage.addValidationMetadata = (rule) => {
    forget();
    addRule(rule);
  };
  storage.addValidationSchema = (schema) => {
    forget();
    addSchema(schema);
  };
}
