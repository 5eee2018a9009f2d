import { METHODS as HTTP_METHODS } from 'node:http';
import { Injectable } from '@nestjs/common';
import type { RouteOptions } from 'fastify';

/**
 * The routes the API serves, as patterns, for the answer to a path it knows under another method: `405` with
 * `Allow`, instead of a `404` that would say the path does not exist. Filled by an onRoute hook as the routes are
 * registered; read only when no route matched, so that its linear search costs nothing on the hot paths.
 */
@Injectable()
export class RouteTable {
  private readonly routes: { url: string; pattern: RegExp; methods: string[] }[] = [];

  readonly onRoute = (route: RouteOptions): void => {
    const methods = [route.method].flat().map((m) => m.toUpperCase());
    // A route for every method would be middleware mounted on all routes, not an endpoint.
    if (HTTP_METHODS.every((m) => methods.includes(m))) return;
    this.routes.push({ url: route.url, pattern: patternOf(route.url), methods });
  };

  /** Every route as `METHOD /path/:param`, HEAD included. */
  served(): string[] {
    return this.routes.flatMap((r) => r.methods.map((m) => `${m} ${r.url}`));
  }

  /** The methods some route takes on this path (HEAD with GET, as the router answers it), sorted. */
  allowedMethods(path: string): string[] {
    const methods = new Set<string>();
    for (const route of this.routes) {
      if (route.pattern.test(path)) route.methods.forEach((m) => methods.add(m));
    }
    if (methods.has('GET')) methods.add('HEAD');
    return [...methods].sort();
  }
}

/** A route's URL (`/v1/notices/:id`, `/console/*`) as a RegExp over paths, as the router matches: any case, a trailing slash or not. */
function patternOf(url: string): RegExp {
  const body = url
    .replace(/\/+$/, '')
    .split('/')
    .map((segment) =>
      segment
        .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
        .replace(/:\w+/g, '[^/]+')
        .replace(/\*/g, '.*'),
    )
    .join('/');
  return new RegExp(`^${body}/?$`, 'i');
}
