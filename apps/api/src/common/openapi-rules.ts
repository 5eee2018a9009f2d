import { ParseUUIDPipe, type INestApplication, type Type } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { ModulesContainer } from '@nestjs/core';
import type { OpenAPIObject } from '@nestjs/swagger';
import { getMetadataStorage } from 'class-validator';
import { METHODS, type Operation, type Schema } from './openapi';

/** What class-validator keeps of a decorator. */
interface Rule {
  name?: string;
  propertyName: string;
  constraints?: unknown[];
  each?: boolean;
}

/**
 * Writes the rules the validation pipe enforces into the OpenAPI document, read from the code that enforces them:
 * class-validator's decorators on the DTOs (lengths, patterns, formats, sizes, bounds) for bodies and queries, and
 * ParseUUIDPipe on path parameters. Without them the document promised more than the API accepts: clients had to
 * learn the rules from 400s, and generated requests (the API fuzzer's) stopped at the pipe instead of reaching the
 * handlers. What the decorators on a property already say (@ApiProperty) is kept.
 */
export function documentValidationRules(app: INestApplication, document: OpenAPIObject): OpenAPIObject {
  const rulesOf = (target: Type) =>
    getMetadataStorage().getTargetValidationMetadatas(target, '', true, false) as unknown as Rule[];
  const schemas = (document.components?.schemas ?? {}) as Record<string, Schema>;
  const routes = routeInputs(app);
  // Every class with validation rules whose name is a schema of the document: bodies, their nested parts, and the
  // models a route names by hand (the native notice of POST /v1/notices).
  const storage = getMetadataStorage() as unknown as { validationMetadatas: Map<Type, unknown[]> };
  for (const target of storage.validationMetadatas.keys()) {
    const schema = schemas[target.name];
    if (!schema) continue;
    applyToObject(schema, rulesOf(target));
    // The validation pipe refuses properties a DTO does not declare (forbidNonWhitelisted): the schema says so too.
    setDefault(schema, 'additionalProperties', false);
  }
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      const op = (item as Record<string, (Operation & { operationId?: string }) | undefined>)[method];
      const inputs = op?.operationId ? routes.get(op.operationId) : undefined;
      if (!op || !inputs) continue;
      for (const param of (op.parameters ?? []) as { in?: string; name?: string; schema?: Schema }[]) {
        if (!param.name || !param.schema) continue;
        if (param.in === 'path' && inputs.uuidParams.has(param.name))
          setDefault(param.schema, 'format', 'uuid');
        if (param.in === 'query') {
          const rules = inputs.queryTypes.flatMap(rulesOf).filter((r) => r.propertyName === param.name);
          applyToProperty(param.schema, rules);
        }
      }
    }
  }
  return document;
}

/** Per operation (`Controller_method`, as Nest names it): its UUID path parameters and its query DTOs. */
function routeInputs(app: INestApplication) {
  const byOperation = new Map<string, { uuidParams: Set<string>; queryTypes: Type[] }>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const { metatype } of module.controllers.values()) {
      if (typeof metatype !== 'function') continue;
      for (const method of Object.getOwnPropertyNames(metatype.prototype)) {
        const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, metatype, method) ?? {}) as Record<
          string,
          { index: number; data?: unknown; pipes?: unknown[] }
        >;
        const types = (Reflect.getMetadata('design:paramtypes', metatype.prototype, method) ??
          []) as unknown[];
        const inputs = { uuidParams: new Set<string>(), queryTypes: [] as Type[] };
        for (const [key, arg] of Object.entries(args)) {
          const kind = Number(key.split(':')[0]);
          const type = types[arg.index];
          const isDto =
            typeof type === 'function' && ![String, Number, Boolean, Object, Array].includes(type as never);
          if (kind === RouteParamtypes.PARAM && typeof arg.data === 'string') {
            if (arg.pipes?.some((p) => p instanceof ParseUUIDPipe || p === ParseUUIDPipe))
              inputs.uuidParams.add(arg.data);
          } else if (kind === RouteParamtypes.QUERY && arg.data === undefined && isDto) {
            inputs.queryTypes.push(type as Type);
          }
        }
        byOperation.set(`${metatype.name}_${method}`, inputs);
      }
    }
  }
  return byOperation;
}

function applyToObject(schema: Schema, rules: Rule[]): void {
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  for (const [name, property] of Object.entries(properties)) {
    applyToProperty(
      property,
      rules.filter((r) => r.propertyName === name),
    );
  }
}

function applyToProperty(property: Schema, rules: Rule[]): void {
  if ('$ref' in property) return;
  for (const rule of rules) {
    const target = rule.each && property.type === 'array' ? ((property.items ?? {}) as Schema) : property;
    const [first] = rule.constraints ?? [];
    switch (rule.name) {
      case 'minLength':
        setDefault(target, 'minLength', first);
        break;
      case 'maxLength':
        setDefault(target, 'maxLength', first);
        break;
      case 'isIn':
        setDefault(target, 'enum', first);
        break;
      case 'matches':
        if (first instanceof RegExp) setDefault(target, 'pattern', patternOf(first));
        break;
      case 'isUrl':
        setDefault(target, 'format', 'uri');
        setDefault(target, 'pattern', '^(https?|ftp)://[^\\s/?#]+\\S*$');
        break;
      case 'isIp':
        setDefault(target, 'anyOf', [{ format: 'ipv4' }, { format: 'ipv6' }]);
        break;
      case 'isUuid':
        setDefault(target, 'format', 'uuid');
        break;
      case 'isIso8601':
        setDefault(target, 'format', 'date-time');
        // class-validator's strict ISO 8601 refuses years before 0100 (JavaScript's two-digit years).
        setDefault(target, 'pattern', '^(0[1-9]|[1-9][0-9])[0-9]{2}-');
        break;
      case 'isEmail':
        setDefault(target, 'format', 'email');
        break;
      case 'arrayMinSize':
        setDefault(property, 'minItems', first);
        break;
      case 'arrayMaxSize':
        setDefault(property, 'maxItems', first);
        break;
      case 'min':
        setDefault(target, 'minimum', first);
        break;
      case 'max':
        setDefault(target, 'maximum', first);
        break;
      case 'isInt':
        if (target.type === undefined || target.type === 'number') target.type = 'integer';
        break;
    }
  }
}

function setDefault(schema: Schema, key: string, value: unknown): void {
  if (schema[key] === undefined && value !== undefined) schema[key] = value;
}

/** A JavaScript pattern as OpenAPI (ECMA-262, no flags) can say it: a case-insensitive one spelled out. */
function patternOf(re: RegExp): string {
  if (!re.flags.includes('i')) return re.source;
  let out = '';
  let inClass = false;
  for (let i = 0; i < re.source.length; i++) {
    const c = re.source[i];
    if (c === '\\') {
      out += c + re.source[++i];
    } else if (c === '[' || c === ']') {
      inClass = c === '[';
      out += c;
    } else if (
      inClass &&
      /[a-z]/.test(c) &&
      re.source[i + 1] === '-' &&
      /[a-z]/.test(re.source[i + 2] ?? '')
    ) {
      out += `${c}-${re.source[i + 2]}${c.toUpperCase()}-${re.source[i + 2].toUpperCase()}`;
      i += 2;
    } else if (/[a-zA-Z]/.test(c)) {
      const both = `${c.toLowerCase()}${c.toUpperCase()}`;
      out += inClass ? both : `[${both}]`;
    } else {
      out += c;
    }
  }
  return out;
}
