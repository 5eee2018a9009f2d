import * as fs from 'node:fs';
import * as path from 'node:path';
import type { INestApplication } from '@nestjs/common';
import type { Env } from '@takedown/config';
import express, { type NextFunction, type Request, type Response } from 'express';

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
 * are cached for good; index.html never, so a new build is picked up on the next load. The Content-Security-Policy
 * is the API's (common/security-headers.ts): scripts of this origin only, no inline script, no eval.
 */
export function serveConsole(app: INestApplication, env: Env): void {
  const dir = consoleBuildDir();
  const router = express.Router();
  const settings = consoleSettings(env);
  // What the console needs to know before anyone signs in: whether, and where, single sign-on is offered.
  router.get(`${CONSOLE_PATH}/settings.json`, (_req: Request, res: Response) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.json(settings);
  });
  // Relative asset URLs need the trailing slash; the router matches /console/ for /console too, so test the path.
  router.use((req: Request, res: Response, next: NextFunction) => {
    if (req.method === 'GET' && req.path === CONSOLE_PATH) res.redirect(301, `${CONSOLE_PATH}/`);
    else next();
  });
  if (dir) {
    router.use(
      `${CONSOLE_PATH}/assets`,
      express.static(path.join(dir, 'assets'), {
        immutable: true,
        maxAge: '1y',
        index: false,
        fallthrough: false,
      }),
    );
    router.use(CONSOLE_PATH, express.static(dir, { index: false, maxAge: 0 }));
  }
  router.get(`${CONSOLE_PATH}/{*rest}`, (_req: Request, res: Response) => {
    if (!dir) {
      res
        .status(404)
        .type('text/plain')
        .send('The console is not built: run `npm run build` (npm start builds it when a source changed).');
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(path.join(dir, 'index.html'));
  });
  app.use(router);
}
