import * as http from 'node:http';
import type { Payload, PayloadCodec } from '@temporalio/common';
import {
  ConfigError,
  EncryptionCodec,
  loadEnvOrExit,
  PayloadDecryptionError,
  resolvePayloadKeys,
} from '@takedown/config';

/** Payloads travel as Temporal's JSON: metadata values and data in base64. */
interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

export interface CodecServerOptions {
  /** The one origin whose pages may call it (the Temporal UI's, as the browser sends it). */
  uiOrigin: string;
}

/** A history's payloads can be up to 2 MiB each; a page asks for a handful at once. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

/**
 * The codec server of Temporal's UI and CLI (`POST /decode`, `POST /encode`, `{ "payloads": [...] }`): the UI's page
 * sends it the encrypted payloads it shows and gets them back in clear. Browsers get an answer only from the UI's
 * origin (CORS); the server is meant for loopback or behind the UI's own sign-on (docs/hardening.md). It logs nothing
 * of what it decodes.
 */
export function createCodecServer(codec: PayloadCodec, opts: CodecServerOptions): http.Server {
  return http.createServer((req, res) => {
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== opts.uiOrigin) {
      return answer(
        res,
        403,
        error(403, 'REQUEST.FORBIDDEN_ORIGIN', 'this codec server answers the Temporal UI only'),
      );
    }
    if (origin !== undefined) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
    }
    const route = req.url?.split('?')[0];
    if (route !== '/decode' && route !== '/encode') {
      return answer(res, 404, error(404, 'ROUTE.NOT_FOUND', 'no such route'));
    }
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'POST');
      res.setHeader('Access-Control-Allow-Headers', 'Content-Type, X-Namespace, Authorization');
      res.setHeader('Access-Control-Max-Age', '600');
      return res.writeHead(204).end();
    }
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST, OPTIONS');
      return answer(res, 405, error(405, 'REQUEST.METHOD_NOT_ALLOWED', 'this route takes POST'));
    }
    void readBody(req).then(
      async (body) => {
        if (body === null) {
          res.setHeader('Connection', 'close');
          return answer(
            res,
            413,
            error(413, 'REQUEST.TOO_LARGE', 'the body is larger than this route takes'),
          );
        }
        const payloads = parsePayloads(body);
        if (!payloads) {
          return answer(
            res,
            400,
            error(
              400,
              'REQUEST.MALFORMED',
              'the body is not { "payloads": [ { metadata, data } ] }',
              'payloads',
            ),
          );
        }
        try {
          const out = route === '/decode' ? await codec.decode(payloads) : await codec.encode(payloads);
          answer(res, 200, { payloads: out.map(toJson) });
        } catch (err) {
          if (err instanceof PayloadDecryptionError) {
            answer(res, 400, error(400, 'PAYLOAD.UNDECRYPTABLE', err.message, 'payloads'));
          } else answer(res, 500, error(500, 'INTERNAL', 'the payloads could not be converted'));
        }
      },
      () => answer(res, 400, error(400, 'REQUEST.MALFORMED', 'the body could not be read', 'body')),
    );
  });
}

function error(statusCode: number, code: string, message: string, field?: string) {
  return { statusCode, code, message, ...(field ? { field } : {}) };
}

function answer(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/** The body, or null past MAX_BODY_BYTES (the rest is not read). */
function readBody(req: http.IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners('data');
        req.pause();
        resolve(null);
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function parsePayloads(body: Buffer): Payload[] | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
  const list = (parsed as { payloads?: unknown } | null)?.payloads;
  if (!Array.isArray(list)) return null;
  const payloads: Payload[] = [];
  for (const item of list as JsonPayload[]) {
    if (item === null || typeof item !== 'object') return null;
    const metadata = item.metadata ?? {};
    const values = Object.values(metadata);
    if (typeof metadata !== 'object' || values.some((v) => typeof v !== 'string' || !BASE64.test(v)))
      return null;
    if (item.data !== undefined && (typeof item.data !== 'string' || !BASE64.test(item.data))) return null;
    payloads.push({
      metadata: Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
      data: Buffer.from(item.data ?? '', 'base64'),
    });
  }
  return payloads;
}

function toJson(p: Payload): JsonPayload {
  return {
    metadata: Object.fromEntries(
      Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? []).toString('base64')]),
    ),
    data: Buffer.from(p.data ?? []).toString('base64'),
  };
}

/** `npm run codec-server`: TEMPORAL_PAYLOAD_KEYS, on CODEC_SERVER_HOST:CODEC_SERVER_PORT for CODEC_SERVER_UI_ORIGIN. */
function main(): void {
  const env = loadEnvOrExit();
  let codec: EncryptionCodec;
  try {
    codec = new EncryptionCodec(resolvePayloadKeys(env));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(78); // EX_CONFIG
  }
  const server = createCodecServer(codec, { uiOrigin: env.CODEC_SERVER_UI_ORIGIN });
  server.listen(env.CODEC_SERVER_PORT, env.CODEC_SERVER_HOST, () => {
    const msg = `codec server on http://${env.CODEC_SERVER_HOST}:${env.CODEC_SERVER_PORT} for ${env.CODEC_SERVER_UI_ORIGIN}`;
    process.stdout.write(`${JSON.stringify({ level: 30, time: Date.now(), msg })}\n`);
  });
  const stop = () => server.close();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (require.main === module) main();
