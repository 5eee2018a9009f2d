import { parse as parseForm } from 'node:querystring';
import type { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { HttpException, HttpStatus } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '@takedown/domain';
import { NDJSON_MEDIA_TYPES, XARF_MEDIA_TYPE } from '../intake/media-types';
import { formatBytes } from './errors.filter';

/** The media types read as JSON: plain JSON and X-ARF, which is JSON under its own type. */
const JSON_MEDIA_TYPES = ['application/json', XARF_MEDIA_TYPE];
const FORM_MEDIA_TYPE = 'application/x-www-form-urlencoded';
const CSV_MEDIA_TYPE = 'text/csv';

/**
 * How large a body each route takes. Small by default: a notice, an action or a form is a few kB, and a parser
 * that accepts megabytes everywhere lets anyone make the API hold them in memory. Large only where bulk is the
 * point: a batch of up to 10,000 notices, a hotline's file of up to 1,000 URLs, an inventory as JSON (CSV is streamed and not limited here), and a single
 * X-ARF report, whose evidence (dropped on arrival, hashed) may be an image.
 */
export const BODY_LIMITS = {
  default: 100 * 1024,
  xarf: 10 * 1024 * 1024,
  bulk: 20 * 1024 * 1024,
} as const;

/** `POST` routes whose bodies may be bulk, as their route patterns. */
const BULK_ROUTES = new Set(['/v1/notices/batch', '/v1/imports/inventory', '/v1/intake/hotline']);
/** The one route that streams a CSV body to its handler (which reads it row by row) instead of parsing it. */
const STREAMED_CSV_ROUTE = '/v1/imports/inventory';

/** Who calls: a principal on the request, or an error with the answer (401, 429, 503). */
export type Authenticate = (req: FastifyRequest, reply: FastifyReply) => Promise<Principal>;

/** What a request's body may be: how large, of which media types, and whether the caller is known first. */
interface BodyRule {
  limit: number;
  types: readonly string[];
  authenticateFirst: boolean;
}

const SMALL: BodyRule = {
  limit: BODY_LIMITS.default,
  types: [...JSON_MEDIA_TYPES, FORM_MEDIA_TYPE],
  authenticateFirst: false,
};
const XARF: BodyRule = { limit: BODY_LIMITS.xarf, types: [XARF_MEDIA_TYPE], authenticateFirst: true };
const BULK: BodyRule = {
  limit: BODY_LIMITS.bulk,
  types: [...JSON_MEDIA_TYPES, ...NDJSON_MEDIA_TYPES],
  authenticateFirst: true,
};
const BULK_WITH_CSV: BodyRule = { ...BULK, types: [...BULK.types, CSV_MEDIA_TYPE] };

function ruleOf(req: FastifyRequest): BodyRule {
  const route = req.routeOptions.url;
  if (req.method !== 'POST' || route === undefined) return SMALL;
  if (route === STREAMED_CSV_ROUTE) return BULK_WITH_CSV;
  if (BULK_ROUTES.has(route)) return BULK;
  if (route === '/v1/notices' && mediaType(req) === XARF_MEDIA_TYPE) return XARF;
  return SMALL;
}

/**
 * The body parsing, chosen per request by route: one reader for every media type instead of Fastify's parsers, so
 * that a body over its route's limit is refused with 413 in the project's error shape (see ErrorsFilter) before it
 * is read further, and an unreadable one gets our words, not a parser's (which quote the body). The routes that
 * take megabytes authenticate first (a preParsing hook): without a valid token the answer is 401 before a byte of
 * the body is read, and the connection is closed rather than drained. The 100 kB of the other routes are read before
 * the guard runs. A body of a type its route does not read is left unread (the handler sees none).
 */
export function registerBodyParsers(app: FastifyInstance, authenticate: Authenticate): void {
  app.addHook('preParsing', async (req, reply, payload) => {
    if (!ruleOf(req).authenticateFirst) return payload;
    try {
      req.principal = await authenticate(req, reply);
    } catch (err) {
      reply.header('Connection', 'close');
      throw err;
    }
    return payload;
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (req, payload, done) => {
    const rule = ruleOf(req);
    const type = mediaType(req);
    if (!rule.types.includes(type)) return done(null, undefined);
    // The inventory's CSV is read row by row by its handler, however long.
    if (type === CSV_MEDIA_TYPE) return done(null, payload);
    readText(req, payload, rule.limit)
      .then((text) => parse(type, text))
      .then(
        (body) => done(null, body),
        (err: Error) => done(err),
      );
  });
}

/** The request's media type, lower case, without parameters ('' without a Content-Type). */
function mediaType(req: FastifyRequest): string {
  return (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
}

function parse(type: string, text: string): unknown {
  if (type === FORM_MEDIA_TYPE) return { ...parseForm(text) };
  if (NDJSON_MEDIA_TYPES.includes(type)) return text;
  if (text === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw bodyError(HttpStatus.BAD_REQUEST, 'REQUEST.MALFORMED', 'the body is not well-formed JSON');
  }
}

/** The body as UTF-8 text, inflated when it comes compressed, refused past `limit` bytes (after inflating). */
async function readText(req: FastifyRequest, payload: Readable, limit: number): Promise<string> {
  const charset = /;\s*charset="?([^";\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1].toLowerCase();
  if (charset && charset !== 'utf-8' && charset !== 'utf8') {
    throw bodyError(
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
      'REQUEST.UNSUPPORTED_MEDIA_TYPE',
      'the body is in a character set this route does not read (send UTF-8)',
    );
  }
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? createGunzip()
      : encoding === 'deflate'
        ? createInflate()
        : encoding === 'br'
          ? createBrotliDecompress()
          : null;
  if (!decoder && encoding !== 'identity') {
    throw bodyError(
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
      'REQUEST.UNSUPPORTED_MEDIA_TYPE',
      'the body has a Content-Encoding this route does not read',
    );
  }
  const declared = Number(req.headers['content-length']);
  if (!decoder && declared > limit) throw tooLarge(limit);
  const source = decoder ? payload.pipe(decoder) : payload;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    // Listeners, not `for await`: leaving that loop early would destroy the request and its socket, and with them
    // the answer. Stopped here, the rest of the body is left to Node, which discards it once the answer is out.
    const stop = (err: HttpException) => {
      source.removeListener('data', onData);
      source.removeListener('end', onEnd);
      if (decoder) payload.unpipe(decoder);
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      length += chunk.length;
      if (length > limit) stop(tooLarge(limit));
      else chunks.push(chunk);
    };
    const onEnd = () => resolve(Buffer.concat(chunks).toString('utf8'));
    source.on('data', onData);
    source.once('end', onEnd);
    source.once('error', () =>
      stop(bodyError(HttpStatus.BAD_REQUEST, 'REQUEST.INVALID', 'the request body could not be read')),
    );
  });
}

function tooLarge(limit: number): HttpException {
  return new HttpException(
    {
      statusCode: HttpStatus.PAYLOAD_TOO_LARGE,
      code: 'REQUEST.TOO_LARGE',
      message: `the body is larger than this route takes (${formatBytes(limit)})`,
      limit,
    },
    HttpStatus.PAYLOAD_TOO_LARGE,
  );
}

function bodyError(status: number, code: string, message: string): HttpException {
  return new HttpException({ statusCode: status, code, message, field: 'body' }, status);
}
