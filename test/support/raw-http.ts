import * as http from 'node:http';

export interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/**
 * One request by hand, for what supertest cannot send: `chunks` are written in turn under a declared `length` (none,
 * chunked, when it is null), and the answer is taken as soon as it comes, whatever of the body is still unsent. A
 * `length` above what the chunks hold announces a body that never comes in full: an answer then proves the API did
 * not wait for (or read) the rest. Fails when no answer comes `within` ms.
 */
export function rawRequest(
  port: number,
  options: {
    method: string;
    path: string;
    headers?: Record<string, string>;
    chunks?: Buffer[];
    length?: number | null;
    within?: number;
  },
): Promise<RawAnswer> {
  const within = options.within ?? 10_000;
  return new Promise((resolve, reject) => {
    const chunks = options.chunks ?? [];
    const total = chunks.reduce((n, c) => n + c.length, 0);
    const length = options.length === undefined ? total : options.length;
    const req = http.request({
      host: '127.0.0.1',
      port,
      method: options.method,
      path: options.path,
      headers: { ...options.headers, ...(length === null ? {} : { 'Content-Length': String(length) }) },
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no answer within ${within} ms`));
    }, within);
    req.on('response', (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        req.destroy();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(parts).toString() });
      });
    });
    // The server may answer and close while this end still writes: for a body over a limit, that is the point.
    req.on('error', () => undefined);
    for (const chunk of chunks) req.write(chunk);
    if (length === total || length === null) req.end();
  });
}
