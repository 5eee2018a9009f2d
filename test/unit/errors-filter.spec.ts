import { NotFoundException, type ArgumentsHost } from '@nestjs/common';
import type { RouteOptions } from 'fastify';
import { ErrorsFilter } from '../../apps/api/src/common/errors.filter';
import { RouteTable } from '../../apps/api/src/common/route-table';

/** What ErrorsFilter answers when no route served a request: the router's own miss, or a route's (a static file). */
describe('ErrorsFilter on a request nothing served', () => {
  const routes = new RouteTable();
  routes.onRoute({ method: 'GET', url: '/console/*' } as RouteOptions);
  routes.onRoute({ method: ['GET', 'POST'], url: '/v1/notices' } as RouteOptions);
  const filter = new ErrorsFilter(routes);

  function answer(method: string, url: string) {
    const sent: { status?: number; headers: Record<string, string>; body?: unknown } = { headers: {} };
    const res = {
      raw: { headersSent: false },
      header: (k: string, v: string) => ((sent.headers[k] = v), res),
      status: (s: number) => ((sent.status = s), res),
      send: (b: unknown) => ((sent.body = b), res),
    };
    const host = {
      switchToHttp: () => ({ getResponse: () => res, getRequest: () => ({ method, url }) }),
    } as unknown as ArgumentsHost;
    filter.catch(new NotFoundException(`Cannot ${method} ${url}`), host);
    return sent;
  }

  it('a method the path does not take: 405 with Allow', () => {
    const put = answer('PUT', '/v1/notices');
    expect(put).toMatchObject({ status: 405, headers: { Allow: 'GET, HEAD, POST' } });
    expect(put.body).toMatchObject({ code: 'REQUEST.METHOD_NOT_ALLOWED' });
  });

  it('a method the path takes whose route found nothing (a missing file of the console): 404, not 405', () => {
    // A warm `npm test` once showed a console page as "405: this path answers GET, HEAD" for a GET of /console/.
    for (const method of ['GET', 'HEAD']) {
      const miss = answer(method, '/console/assets/index-gone.js');
      expect(miss).toMatchObject({ status: 404, body: { code: 'ROUTE.NOT_FOUND' } });
      expect(miss.headers).toEqual({});
    }
  });

  it('a path nobody serves: 404', () => {
    expect(answer('GET', '/v1/nothing-here')).toMatchObject({
      status: 404,
      body: { code: 'ROUTE.NOT_FOUND' },
    });
  });
});
