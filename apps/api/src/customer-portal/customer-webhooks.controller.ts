import { Body, Controller, Get, Param, ParseUUIDPipe, Put, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { actorLabel, DomainError, type Principal } from '@takedown/domain';
import { getCustomerWebhook, listCustomerWebhookDeliveries, setCustomerWebhook } from '@takedown/persistence';
import { Roles } from '../auth/access';
import { CurrentPrincipal } from '../auth/principal';
import { Audit } from '../audit/audit.decorator';
import {
  CustomerScopeQuery,
  WebhookDeliveryPage,
  WebhookDeliveryQuery,
  WebhookDto,
  WebhookView,
} from './customer-portal.dto';
import { assertCustomerAdmin, customerOf } from './customer-scope';

const SIGNING =
  'Each event is POSTed as JSON with `X-Takedown-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" ' +
  'with the secret>` (the scheme of the source feedback webhooks) and `X-Takedown-Delivery: <event id>`; a ' +
  'receiver drops an event id it has seen. A new secret replaces the old one at once.';

/** The customer's webhook and its deliveries, for the customer (its admin contact sets it). */
@ApiTags('customer')
@Controller('v1/customer')
export class CustomerWebhookController {
  constructor(private readonly db: DataSource) {}

  @Get('webhook')
  @Roles('customer')
  @ApiOperation({ summary: 'The customer’s webhook (its URL; the secret is never shown again)' })
  @ApiOkResponse({ type: WebhookView })
  @ApiNotFoundResponse({ description: 'No webhook is set' })
  async get(@Query() q: CustomerScopeQuery, @CurrentPrincipal() p: Principal): Promise<WebhookView> {
    const hook = await getCustomerWebhook(this.db, customerOf(p, q.customerId));
    if (!hook) throw new DomainError('WEBHOOK.NOT_FOUND', 'no webhook is set');
    return { url: hook.url, updatedAt: hook.updatedAt.toISOString() };
  }

  @Put('webhook')
  @Roles('customer')
  @Audit('customer.webhook.set', { target: 'customer' })
  @ApiOperation({
    summary: 'Set the customer’s webhook (its admin contact): new notice, reminder and deadline events',
    description: `The answer holds a new signing secret, once. ${SIGNING}`,
  })
  @ApiOkResponse({ type: WebhookView })
  @ApiBadRequestResponse({ description: 'url is not an http(s) URL' })
  @ApiNotFoundResponse({ description: 'No such customer (an admin’s customerId)' })
  async set(
    @Query() q: CustomerScopeQuery,
    @Body() dto: WebhookDto,
    @CurrentPrincipal() p: Principal,
  ): Promise<WebhookView> {
    assertCustomerAdmin(p);
    return view(await setCustomerWebhook(this.db, customerOf(p, q.customerId), dto.url, actorLabel(p.actor)));
  }

  @Get('webhook-deliveries')
  @Roles('customer')
  @ApiOperation({
    summary: 'The customer’s webhook deliveries, newest first: pending, delivered or failed, with attempts',
  })
  @ApiOkResponse({ type: WebhookDeliveryPage })
  async deliveries(
    @Query() q: WebhookDeliveryQuery,
    @CurrentPrincipal() p: Principal,
  ): Promise<WebhookDeliveryPage> {
    const limit = q.limit ?? 50;
    const offset = q.offset ?? 0;
    const page = await listCustomerWebhookDeliveries(this.db, customerOf(p, q.customerId), { limit, offset });
    return {
      items: page.items.map((d) => ({
        eventId: d.eventId,
        type: d.type,
        noticeId: d.noticeId,
        status: d.status,
        attempts: d.attempts,
        lastStatus: d.lastStatus,
        lastError: d.lastError,
        createdAt: d.createdAt.toISOString(),
        lastAttemptAt: d.lastAttemptAt?.toISOString() ?? null,
        deliveredAt: d.deliveredAt?.toISOString() ?? null,
      })),
      total: page.total,
      limit,
      offset,
    };
  }
}

/** The desk sets a customer's webhook for it (on the customer's request, e.g. by phone). */
@ApiTags('customers')
@Controller('v1/customers/:id/webhook')
export class DeskWebhookController {
  constructor(private readonly db: DataSource) {}

  @Put()
  @Roles('abuse_desk', 'abuse_lead')
  @Audit('customer.webhook.set', { target: 'customer' })
  @ApiOperation({
    summary: 'Set a customer’s webhook for new notice, reminder and deadline events',
    description: `The answer holds a new signing secret, once: pass it on to the customer. ${SIGNING}`,
  })
  @ApiOkResponse({ type: WebhookView })
  @ApiBadRequestResponse({ description: 'The id is not a UUID, or url is not an http(s) URL' })
  @ApiNotFoundResponse({ description: 'No such customer' })
  async set(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: WebhookDto,
    @CurrentPrincipal() p: Principal,
  ): Promise<WebhookView> {
    return view(await setCustomerWebhook(this.db, id, dto.url, actorLabel(p.actor)));
  }
}

function view(hook: { url: string; updatedAt: Date; secret: string }): WebhookView {
  return { url: hook.url, updatedAt: hook.updatedAt.toISOString(), secret: hook.secret };
}
