import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * Helmet's headers on every response. The Content-Security-Policy is Helmet's default made stricter where nothing
 * needs more, and looser only where Swagger UI at /docs does: its scripts are files of our own origin
 * ('self'), its page carries inline <style> blocks ('unsafe-inline' for styles only, never for scripts), and its
 * icons are data: URIs. The link pages set a stricter policy of their own (see LinksController).
 * `upgrade-insecure-requests` is left out: on a plain-HTTP deployment (a laptop, a lab) it would make the browser
 * fetch the UI's scripts over HTTPS, where nothing listens.
 */
export function securityHeaders(extraConnectSrc: string[] = []): RequestHandler {
  return helmet({
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
}
