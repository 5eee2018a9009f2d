import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * The request's id: the client's X-Request-Id when it is a plain token, else a new UUID. Kept on the raw request,
 * so that Fastify (errors, audit rows) and the request log, which each ask for it, name the same id.
 */
export function requestIdOf(req: IncomingMessage & { id?: unknown }): string {
  if (typeof req.id === 'string') return req.id;
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && /^[\w-]{1,100}$/.test(given) ? given : randomUUID();
  req.id = id;
  return id;
}
