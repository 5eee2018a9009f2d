import { randomUUID } from 'node:crypto';
import { Controller, Get, Module, RequestMethod, type INestApplication } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { MetadataScanner, ModulesContainer, NestFactory, Reflector } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import request from 'supertest';
import { AppConfig } from '@takedown/api/app-config';
import { AppModule } from '@takedown/api/app.module';
import { ACCESS_RULE, type AccessRule } from '@takedown/api/auth/access';
import { RouteTable } from '@takedown/api/common/route-table';
import { createApp } from '@takedown/api/create-app';
import { ROLES, type Role } from '@takedown/domain';
import { authorizedHttp, tokenFor } from '../support/api';
import { testEnv } from '../support/env';

/**
 * Who may call what: the rule table of docs/auth.md. `admin` may call every protected route. A route the app
 * serves that is not in this table fails here, and so does a route whose decorators say something else.
 */
const ALL_STAFF: Role[] = ['admin', 'abuse_desk', 'abuse_lead', 'account_manager', 'legal', 'noc'];
const DESK: Role[] = ['admin', 'abuse_desk', 'abuse_lead'];
const CUSTOMER: Role[] = ['admin', 'customer'];
const EXPECTED: Record<string, Role[] | 'public'> = {
  'GET /health': 'public',
  'GET /metrics': 'public',
  'GET /.well-known/takedown-keys': 'public',
  'GET /links/:token': 'public',
  'POST /links/:token': 'public',
  'GET /dev/mail': 'public',
  'GET /dev/mail/view': 'public',
  'GET /dev/mail/:id': 'public',
  'POST /v1/notices': [...DESK, 'source'],
  'POST /v1/notices/batch': [...DESK, 'source'],
  'POST /v1/intake/hotline': [...DESK, 'source'],
  'POST /v1/intake/hotline/checks': [...DESK, 'source'],
  'GET /v1/notices': [...ALL_STAFF, 'source'],
  'GET /v1/notices/:id': [...ALL_STAFF, 'source'],
  'POST /v1/notices/:id/actions/:action': DESK,
  'POST /v1/notices/:id/triage': DESK,
  'POST /v1/notices/:id/assignee': DESK,
  'POST /v1/notices/bulk-actions': DESK,
  'GET /v1/notices/:id/urls': DESK,
  'POST /v1/orders': DESK,
  'GET /v1/orders': [...DESK, 'legal', 'noc'],
  'GET /v1/orders/:id': [...DESK, 'legal', 'noc'],
  'POST /v1/orders/:id/page-ack': [...DESK, 'noc'],
  'GET /v1/orders/:id/completion.json': [...DESK, 'legal', 'noc'],
  'GET /v1/orders/:id/completion.pdf': [...DESK, 'legal', 'noc'],
  'GET /v1/people': ALL_STAFF,
  'GET /v1/events': [...ALL_STAFF, 'source'],
  'GET /v1/raw-messages': DESK,
  'POST /v1/customers': DESK,
  'GET /v1/customers': ALL_STAFF,
  'GET /v1/customers/:id': ALL_STAFF,
  'PATCH /v1/customers/:id': DESK,
  'POST /v1/customers/:id/prefixes': [...DESK, 'noc'],
  'DELETE /v1/customers/:id/prefixes/:prefixId': [...DESK, 'noc'],
  'GET /v1/customers/:id/standing': [...DESK, 'account_manager', 'legal'],
  'POST /v1/customers/:id/standing/events': [...DESK, 'legal'],
  'GET /v1/attribution': [...DESK, 'legal', 'noc'],
  'POST /v1/imports/inventory': ['admin', 'abuse_lead'],
  'GET /v1/tasks': ALL_STAFF,
  'GET /v1/tasks/:id': ALL_STAFF,
  'POST /v1/tasks/:id/complete': ALL_STAFF,
  'POST /v1/tasks/:id/assignee': ALL_STAFF,
  'POST /v1/terminations': ['admin', 'abuse_lead', 'legal'],
  'GET /v1/terminations': ['admin', 'abuse_lead', 'legal'],
  'GET /v1/terminations/:id': ['admin', 'abuse_lead', 'legal'],
  'GET /v1/terminations/:id/report.json': ['admin', 'abuse_lead', 'legal'],
  'GET /v1/terminations/:id/report.pdf': ['admin', 'abuse_lead', 'legal'],
  'POST /v1/terminations/:id/reports': ['admin', 'abuse_lead', 'legal'],
  'GET /v1/terminations/:id/reports': ['admin', 'abuse_lead', 'legal'],
  'GET /v1/terminations/:id/reports/:snapshotId/report.json': ['admin', 'abuse_lead', 'legal'],
  'GET /v1/terminations/:id/reports/:snapshotId/report.pdf': ['admin', 'abuse_lead', 'legal'],
  'GET /v1/terminations/:id/statements': ['admin', 'abuse_lead', 'legal'],
  'GET /v1/terminations/:id/statements/:snapshotId/statement.json': ['admin', 'abuse_lead', 'legal'],
  'GET /v1/terminations/:id/statements/:snapshotId/statement.pdf': ['admin', 'abuse_lead', 'legal'],
  'GET /v1/statements-of-reasons/transparency-db.jsonl': ['admin', 'legal'],
  'POST /v1/terminations/:id/withdraw': ['admin', 'legal'],
  'GET /v1/stats/transparency': [...DESK, 'legal'],
  'GET /v1/reports/transparency': ['admin', 'abuse_lead', 'legal'],
  'GET /v1/reports/tco': ['admin', 'legal'],
  'GET /v1/audit': ['admin', 'legal'],
  'GET /v1/audit/heads': ['admin', 'legal'],
  'GET /v1/policies': ['admin', 'abuse_lead', 'legal'],
  'GET /v1/policies/:id': ['admin', 'abuse_lead', 'legal'],
  'POST /v1/policies': ['admin'],
  'GET /v1/customer/notices': CUSTOMER,
  'GET /v1/customer/notices/:id': CUSTOMER,
  'POST /v1/customer/notices/:id/answer': CUSTOMER,
  'POST /v1/customer/answers': CUSTOMER,
  'GET /v1/customer/profile': CUSTOMER,
  'GET /v1/customer/standing': CUSTOMER,
  'GET /v1/customer/measures': CUSTOMER,
  'GET /v1/customer/statements': CUSTOMER,
  'GET /v1/customer/statements/:id/statement.json': CUSTOMER,
  'GET /v1/customer/statements/:id/statement.pdf': CUSTOMER,
  'POST /v1/customer/tokens': CUSTOMER,
  'GET /v1/customer/webhook': CUSTOMER,
  'PUT /v1/customer/webhook': CUSTOMER,
  'GET /v1/customer/webhook-deliveries': CUSTOMER,
  'PUT /v1/customers/:id/webhook': DESK,
  'GET /v1/customers/:id/reseller-mode': [...DESK, 'legal'],
  'PUT /v1/customers/:id/reseller-mode': DESK,
  'POST /v1/customer/measures': CUSTOMER,
  'GET /v1/customers/:id/measures': [...DESK, 'account_manager', 'legal'],
  'POST /v1/customers/:id/measures/:kind/verify': DESK,
  'POST /v1/customers/:id/measures/:kind/reject': DESK,
  'POST /v1/customer/appeals': CUSTOMER,
  'GET /v1/customer/appeals': CUSTOMER,
  'POST /v1/appeals': ['admin', 'source'],
  'GET /v1/appeals': [...DESK, 'legal', 'source'],
  'GET /v1/appeals/:id': [...DESK, 'legal', 'source'],
  'POST /v1/appeals/:id/review': [...DESK, 'legal'],
  'POST /v1/customer/link-requests': 'public',
  'POST /v1/customer/sessions': 'public',
  'GET /v1/me': [...ALL_STAFF, 'source'],
  'GET /v1/me/settings': [...ALL_STAFF, 'source'],
  'PUT /v1/me/settings': [...ALL_STAFF, 'source'],
};

interface RouteRule {
  route: string;
  rule: AccessRule | undefined;
}

/** Every handler of every controller in the app, with the access rule its decorators give it. */
function discoverRoutes(app: INestApplication): RouteRule[] {
  const reflector = app.get(Reflector);
  const scanner = new MetadataScanner();
  const routes: RouteRule[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const type = wrapper.metatype as (new (...args: never[]) => object) | null;
      if (!type) continue;
      const base = String(Reflect.getMetadata(PATH_METADATA, type) ?? '');
      for (const name of scanner.getAllMethodNames(type.prototype)) {
        const handler = (type.prototype as Record<string, unknown>)[name] as () => unknown;
        const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (path === undefined || method === undefined) continue;
        const full = `/${[base, path].join('/')}`.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
        routes.push({
          route: `${RequestMethod[method]} ${full}`,
          rule: reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_RULE, [handler, type]),
        });
      }
    }
  }
  return routes;
}

/**
 * What Fastify actually serves: nothing may be reachable outside the table. Swagger UI's own routes are left out, and
 * so are the console's static files (no handler of Nest's: they need no token) and the HEAD routes Fastify adds to
 * every GET.
 */
function servedRoutes(app: INestApplication): string[] {
  return app
    .get(RouteTable)
    .served()
    .filter((route) => {
      const [method, path] = route.split(' ');
      return method !== 'HEAD' && !path.startsWith('/docs') && !/^\/console(\/|$)/.test(path);
    });
}

const concrete = (path: string) =>
  path
    .replace(':token', 'not-a-signed-link')
    .replace(':action', 'add-note')
    .replace(':kind', 'hash_check_uploads')
    .replace(/:\w+/g, () => randomUUID());

describe('the route table × roles', () => {
  let app: INestApplication;
  let routes: RouteRule[];
  const tokens = new Map<Role, string>();

  beforeAll(async () => {
    app = await createApp(new AppConfig(testEnv()));
    await app.init();
    routes = discoverRoutes(app);
    for (const role of ROLES) tokens.set(role, await tokenFor(app, role));
  });
  afterAll(() => app?.close());

  it('knows every route the app serves, and every route has a rule', () => {
    const discovered = routes.map((r) => r.route).sort();
    expect(discovered).toEqual([...servedRoutes(app)].sort());
    expect(discovered).toEqual(Object.keys(EXPECTED).sort());
    expect(routes.filter((r) => !r.rule).map((r) => r.route)).toEqual([]);
  });

  it('gives each route the roles of the table', () => {
    for (const { route, rule } of routes) {
      const expected = EXPECTED[route];
      expect({ route, rule: rule?.public ? 'public' : [...(rule?.roles ?? [])].sort() }).toEqual({
        route,
        rule: expected === 'public' ? 'public' : [...expected].sort(),
      });
    }
  });

  it('lists each route’s roles, bearer auth and its 401/403 in the OpenAPI document', async () => {
    const doc = (await request(app.getHttpServer()).get('/docs-json').expect(200)).body as {
      paths: Record<string, Record<string, Record<string, unknown>>>;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    // The dev mailbox is documented only when the capture runs; every other route must be documented.
    expect(Object.keys(EXPECTED).filter((r) => !documented.includes(r))).toEqual([]);
    const operation = (route: string) => {
      const [method, path] = route.split(' ');
      return doc.paths[path.replace(/:(\w+)/g, '{$1}')][method.toLowerCase()] as {
        'x-roles': string[];
        description: string;
        security?: unknown[];
        responses: Record<string, unknown>;
      };
    };
    for (const [route] of Object.entries(EXPECTED).filter(([, expected]) => expected === 'public')) {
      const op = operation(route);
      expect({ route, roles: op['x-roles'], security: op.security }).toEqual({
        route,
        roles: ['public'],
        security: undefined,
      });
    }
    for (const [route, expected] of Object.entries(EXPECTED)) {
      if (expected === 'public') continue;
      const op = operation(route);
      expect({ route, roles: [...op['x-roles']].sort() }).toEqual({ route, roles: [...expected].sort() });
      expect(op.security).toEqual([{ bearer: [] }]);
      expect(op.responses).toHaveProperty('401');
      expect(op.responses).toHaveProperty('403');
      expect(op.description).toContain(`Roles: ${op['x-roles'].map((r) => `\`${r}\``).join(', ')}.`);
    }
  });

  it('answers 401 without a token, and for each role either lets it through or 403', async () => {
    const http = request(app.getHttpServer());
    const outcomes: string[] = [];
    const wrong: string[] = [];
    for (const [route, expected] of Object.entries(EXPECTED)) {
      const [method, path] = route.split(' ');
      // The event stream stays open for whoever may read it: a bad Last-Event-ID makes it answer (400) at once.
      const call = () => {
        const req = http[method.toLowerCase() as 'get'](concrete(path));
        return route === 'GET /v1/events' ? req.set('Last-Event-ID', 'not-an-id') : req;
      };
      const anonymous = await call();
      if (expected === 'public') {
        if ([401, 403].includes(anonymous.status)) wrong.push(`${route} anonymous → ${anonymous.status}`);
        continue;
      }
      if (
        anonymous.status !== 401 ||
        !/^Bearer realm="takedown"/.test(anonymous.headers['www-authenticate'])
      ) {
        wrong.push(`${route} anonymous → ${anonymous.status} ${anonymous.headers['www-authenticate']}`);
      }
      for (const role of ROLES) {
        const res = await call().set('Authorization', `Bearer ${tokens.get(role)}`);
        const allowed = expected.includes(role);
        outcomes.push(`${route} ${role} ${res.status}`);
        if (allowed && [401, 403].includes(res.status))
          wrong.push(`${route} ${role} → ${res.status}, expected allowed`);
        if (!allowed && (res.status !== 403 || res.body.code !== 'AUTH.FORBIDDEN')) {
          wrong.push(`${route} ${role} → ${res.status}, expected 403`);
        }
        if (!allowed && JSON.stringify(res.body.requiredRoles) !== JSON.stringify(expected)) {
          wrong.push(`${route} ${role} → requiredRoles ${JSON.stringify(res.body.requiredRoles)}`);
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(outcomes).toHaveLength(
      Object.values(EXPECTED).filter((e) => e !== 'public').length * ROLES.length,
    );
  });
});

@Controller('v1/forgotten')
class ForgottenController {
  @Get()
  answer(): string {
    return 'should never be served';
  }
}

describe('a route without a rule', () => {
  let app: INestApplication;

  beforeAll(async () => {
    const config = new AppConfig(testEnv());
    @Module({ imports: [AppModule.forConfig(config)], controllers: [ForgottenController] })
    class WithForgottenRoute {}
    app = await NestFactory.create(WithForgottenRoute, new FastifyAdapter(), { logger: false });
    await app.init();
    await (app.getHttpAdapter().getInstance() as { ready(): Promise<unknown> }).ready();
  });
  afterAll(() => app?.close());

  it('is refused by the guard even to an admin, and is found by the route-table check', async () => {
    const http = await authorizedHttp(app);
    const res = await http.get('/v1/forgotten').expect(403);
    expect(res.body.code).toBe('AUTH.NO_RULE');
    expect(
      discoverRoutes(app)
        .filter((r) => !r.rule)
        .map((r) => r.route),
    ).toEqual(['GET /v1/forgotten']);
  });
});
