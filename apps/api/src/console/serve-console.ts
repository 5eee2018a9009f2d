import * as fs from 'node:fs';
import * as path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Env } from '@takedown/config';

export const CONSOLE_PATH = '/console';

export interface ConsoleSettings {
  oidc: { issuer: string; clientId: string; scope: string } | null;
}

export function consoleSettings(env: Env): ConsoleSettings {
  return {
    oidc:
      env.OIDC_ISSUER && env.OIDC_CONSOLE_CLIENT_ID
        ? { issuer: env.OIDC_ISSUER, clientId: env.OIDC_CONSOLE_CLIENT_ID, scope: env.OIDC_CONSOLE_SCOPE }
        : null,
  };
}

/** The origins the console's pages may call beside their own: the OIDC issuer when single sign-on is on. */
export function consoleConnectSources(env: Env): string[] {
  const { oidc } = consoleSettings(env);
  return oidc ? [new URL(oidc.issuer).origin] : [];
}

/**
 * Where `npm run build` put the console (Vite's output): `dist/console` of the project. From the compiled API
 * (dist/apps/api/src/console) that is four folders up; from the sources (tests, ts-node), four up and into dist.
 */
export function consoleBuildDir(): string | null {
  const up = path.resolve(__dirname, '..', '..', '..', '..');
  const found = [path.join(up, 'console'), path.join(up, 'dist', 'console')].find((dir) =>
    fs.existsSync(path.join(dir, 'index.html')),
  );
  return found ?? null;
}

/**
 * Serves the web console's static build at /console, outside Nest's routes (its files need no token: the console
 * signs in with one and sends it on every API call). A path under /console that is no file is one of the console's
 * own routes (a notice page reloaded): it gets index.html, and the console's router shows it. The hashed assets
 * are cached for good (a missing one is a 404, not the page); index.html never, so a new build is picked up on the
 * next load. The other files of the build are served by a route each, found when the API starts. The
 * Content-Security-Policy is the API's (common/security-headers.ts): scripts of this origin only, no inline script,
 * no eval.
 */
export async function serveConsole(app: NestFastifyApplication, env: Env): Promise<void> {
  const dir = consoleBuildDir();
  const fastify = app.getHttpAdapter().getInstance();
  const settings = consoleSettings(env);
  // What the console needs to know before anyone signs in: whether, and where, single sign-on is offered.
  fastify.get(`${CONSOLE_PATH}/settings.json`, async (_req, reply) => {
    reply.header('Cache-Control', 'no-cache');
    return settings;
  });
  if (dir) {
    await app.register(fastifyStatic, {
      root: path.join(dir, 'assets'),
      prefix: `${CONSOLE_PATH}/assets/`,
      immutable: true,
      maxAge: '1y',
      index: false,
    });
    await app.register(fastifyStatic, {
      root: dir,
      prefix: `${CONSOLE_PATH}/`,
      index: false,
      maxAge: 0,
      wildcard: false,
      globIgnore: ['assets/**', 'index.html'],
      decorateReply: false,
    });
  }
  const page = async (_req: FastifyRequest, reply: FastifyReply) => {
    if (!dir) {
      reply
        .status(404)
        .type('text/plain')
        .send('The console is not built: run `npm run build` (npm start builds it when a source changed).');
      return reply;
    }
    reply.header('Cache-Control', 'no-cache');
    return reply.sendFile('index.html', dir, { cacheControl: false });
  };
  // The router takes /console and /console/ for one route: relative asset URLs need the slash, so add it.
  fastify.get(CONSOLE_PATH, async (req, reply) =>
    req.url.split('?')[0].endsWith('/') ? page(req, reply) : reply.redirect(`${CONSOLE_PATH}/`, 301),
  );
  fastify.get(`${CONSOLE_PATH}/*`, page);
}
