import {
  Injectable,
  SetMetadata,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import { fieldName } from './validation';
import { DomainError } from '@takedown/domain';

/** Half of a UTF-16 surrogate pair without its other half: valid in a JavaScript string, in no UTF-8 text. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why PostgreSQL would refuse this text, or null: NUL in any text, a lone surrogate in JSON (`\ud800`). */
function problemOf(text: string): string | null {
  if (text.includes('\u0000')) return 'must not contain a NUL character (\\u0000)';
  if (LONE_SURROGATE.test(text)) return 'must be valid Unicode (it holds half of a surrogate pair)';
  return null;
}

/** The text with what PostgreSQL refuses replaced by U+FFFD: for text kept as it came (a mail for the desk). */
export function toStorableText(text: string): string {
  return text.replaceAll('\u0000', '\ufffd').replace(new RegExp(LONE_SURROGATE.source, 'g'), '\ufffd');
}

/**
 * The first place in `value` where a string (or an object key) holds text PostgreSQL refuses, as a dotted path
 * (`urls.0`, `source.name`) with the reason; null when there is none. Such input must be turned away at the edge
 * with the field named, instead of failing in the database as a 500.
 */
export function findUnstorableText(value: unknown, path = ''): { field: string; problem: string } | null {
  const at = (key: string | number) => (path ? `${path}.${key}` : String(key));
  if (typeof value === 'string') {
    const problem = problemOf(value);
    return problem ? { field: path || 'body', problem } : null;
  }
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = findUnstorableText(item, at(i));
      if (found) return found;
    }
    return null;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      const problem = problemOf(key);
      if (problem) return { field: at(fieldName(key)), problem: `a property name ${problem}` };
      const found = findUnstorableText(item, at(fieldName(key)));
      if (found) return found;
    }
  }
  return null;
}

/** Throws the 400 for text PostgreSQL refuses anywhere in `value`, naming the field. */
export function rejectUnstorableText(value: unknown, path = ''): void {
  const found = findUnstorableText(value, path);
  if (found) throw new DomainError('REQUEST.INVALID', `${found.field}: ${found.problem}`, found.field);
}

const PER_ITEM_INPUT = 'takedown:per-item-input';

/**
 * Marks a route whose body is a list of items that are checked one by one (a batch of notices, an inventory), each
 * rejected on its own: the global rule would refuse the whole list for one bad item.
 */
export const PerItemInput = () => SetMetadata(PER_ITEM_INPUT, true);

/**
 * The global rule: no NUL character and no lone surrogate in any path parameter, query parameter or body of any
 * route. It runs after the guards and before the pipes, so that no handler, DTO or query ever sees one.
 */
@Injectable()
export class RejectUnstorableTextInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http') {
      const req = context.switchToHttp().getRequest<FastifyRequest>();
      rejectUnstorableText(req.params);
      rejectUnstorableText(req.query);
      const perItem = this.reflector.getAllAndOverride<boolean>(PER_ITEM_INPUT, [
        context.getHandler(),
        context.getClass(),
      ]);
      if (!perItem) rejectUnstorableText(req.body as unknown);
    }
    return next.handle();
  }
}
