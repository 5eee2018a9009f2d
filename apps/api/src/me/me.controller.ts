import { Controller, Get, type Type } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { actorLabel, type Principal, type Role } from '@takedown/domain';
import { ACCESS_RULE, Roles, type AccessRule } from '../auth/access';
import { CurrentPrincipal } from '../auth/principal';
import { AuditController } from '../audit/audit.controller';
import { CustomersController } from '../customers/customers.controller';
import { NoticesController } from '../notices/notices.controller';
import { OrdersController } from '../orders/orders.controller';
import { StatsController } from '../stats/stats.controller';
import { TasksController } from '../tasks/tasks.controller';
import { TerminationsController } from '../terminations/terminations.controller';
import { CONSOLE_AREAS, MeView, type ConsoleArea } from './me.dto';

/**
 * Each area of the console and the route it cannot work without. Who may open an area is read from that route's
 * @Roles rule, the table the auth guard enforces, so the console's navigation cannot promise what the API refuses.
 */
const AREA_ROUTES: Record<ConsoleArea, [Type, string]> = {
  queue: [NoticesController, 'list'],
  tasks: [TasksController, 'list'],
  // The console's order page is the intake form: it opens for those who may take an order in.
  orders: [OrdersController, 'create'],
  customers: [CustomersController, 'list'],
  terminations: [TerminationsController, 'get'],
  transparency: [StatsController, 'transparency'],
  audit: [AuditController, 'list'],
};

function mayCall(roles: Role[], [controller, method]: [Type, string]): boolean {
  const handler = (controller.prototype as Record<string, unknown>)[method] as object;
  const rule = (Reflect.getMetadata(ACCESS_RULE, handler) ?? Reflect.getMetadata(ACCESS_RULE, controller)) as
    AccessRule | undefined;
  if (!rule) return false;
  return rule.public || roles.some((r) => rule.roles.includes(r));
}

@ApiTags('me')
@Controller('v1/me')
export class MeController {
  @Get()
  @Roles('abuse_desk', 'abuse_lead', 'account_manager', 'legal', 'noc', 'source')
  @ApiOperation({
    summary: 'Who the token or OIDC session is: subject, role, name, and the console areas it may open',
  })
  @ApiOkResponse({ type: MeView })
  me(@CurrentPrincipal() principal: Principal): MeView {
    return {
      subject: actorLabel(principal.actor),
      role: principal.actor.role ?? principal.roles[0],
      roles: principal.roles,
      label: principal.actor.name,
      areas: CONSOLE_AREAS.filter((area) => mayCall(principal.roles, AREA_ROUTES[area])),
      actsOnNotices: mayCall(principal.roles, [NoticesController, 'act']),
    };
  }
}
