import type { IncomingMessage, ServerResponse } from 'node:http';
import type { onRequestHookHandler } from 'fastify';
import helmet from 'helmet';

/**
 * Helmet's headers on every response. The Content-Security-Policy is Helmet's default made stricter where nothing
 * needs more, and looser only where Swagger UI at /docs does: its scripts are files of our own origin
 * ('self'), its page carries inline <style> blocks ('unsafe-inline' for styles only, never for scripts), and its
 * icons are data: URIs. The link pages set a stricter policy of their own (see LinksController).
 * `upgrade-insecure-requests` is left out: on a plain-HTTP deployment (a laptop, a lab) it would make the browser
 * fetch the UI's scripts over HTTPS, where nothing listens.
 * The headers are the same on every answer, so Helmet's middleware runs once, here, and an onRequest hook puts what it
 * set on each reply (errors, 404s and static files included; the event stream copies them to its raw response).
 * Headers a route sets itself (the link pages' policy) replace them. Not @fastify/helmet: it builds Helmet's
 * middleware again on every request.
 */
export function securityHeaders(extraConnectSrc: string[] = []): onRequestHookHandler {
  const middleware = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'self'"],
        // Beyond 'self': the OIDC issuer, whose discovery and token endpoints the console's sign-in calls.
        connectSrc: ["'self'", ...extraConnectSrc],
        fontSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        imgSrc: ["'self'", 'data:'],
        objectSrc: ["'none'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  });
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader: (name: string, value: unknown) => (headers[name] = String(value)),
    removeHeader: () => undefined,
  };
  middleware({} as IncomingMessage, recorder as unknown as ServerResponse, (err?: unknown) => {
    if (err) throw err;
  });
  return (_req, reply, done) => {
    reply.headers(headers);
    done();
  };
}
