import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import type { Principal } from '@takedown/domain';
import { Audit } from '../audit/audit.decorator';
import { Roles } from '../auth/access';
import { CurrentPrincipal } from '../auth/principal';
import { CreateOrderDto, OrderListQuery, OrderPage, OrderView } from './order.dto';
import { OrdersService } from './orders.service';

@ApiTags('orders')
@Controller('v1/orders')
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  @Post()
  @Roles('abuse_desk', 'abuse_lead')
  @Audit('order.receive', { always: true })
  @ApiOperation({
    summary: 'Take in a removal order (TCO Regulation 2021/784)',
    description:
      'Stores the order and opens a terrorist_content notice for its URLs: one hour from receipt, the customer’s ' +
      '24/7 contacts emailed and the NOC task opened at once, and (with PAGING_WEBHOOK_URL) the on-call person ' +
      'paged, again every PAGING_REPEAT_EVERY until `POST /v1/orders/:id/page-ack`, the NOC task is done or the ' +
      'notice closes. The same authority, member state and reference twice is the same order (200).',
  })
  @ApiCreatedResponse({ type: OrderView, description: 'A new order; its notice’s clock runs' })
  @ApiOkResponse({ type: OrderView, description: 'The order was known already' })
  @ApiBadRequestResponse({
    description: 'A field is invalid; the body names it',
    schema: {
      example: {
        statusCode: 400,
        code: 'REQUEST.INVALID',
        message: 'memberState must be an EU member state code such as NL',
        field: 'memberState',
      },
    },
  })
  @ApiServiceUnavailableResponse({
    description: 'Temporal is unavailable; retry (the retry completes the order)',
  })
  async create(
    @Body() dto: CreateOrderDto,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) res: Response,
  ): Promise<OrderView> {
    const { order, created } = await this.orders.create(dto, principal);
    res.status(created ? 201 : 200);
    return order;
  }

  @Get()
  @Roles('abuse_desk', 'abuse_lead', 'legal', 'noc')
  @ApiOperation({ summary: 'Removal orders, newest first' })
  @ApiOkResponse({ type: OrderPage })
  @ApiBadRequestResponse({ description: 'limit or after is invalid; the body names it' })
  list(@Query() query: OrderListQuery, @CurrentPrincipal() principal: Principal): Promise<OrderPage> {
    return this.orders.list(query, principal.roles);
  }

  @Get(':id')
  @Roles('abuse_desk', 'abuse_lead', 'legal', 'noc')
  @ApiOperation({ summary: 'A removal order with its notice’s state and the paging' })
  @ApiOkResponse({ type: OrderView })
  @ApiBadRequestResponse({ description: 'The id is not a UUID' })
  @ApiNotFoundResponse({ description: 'No such order' })
  get(
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<OrderView> {
    return this.orders.get(id, principal.roles);
  }

  @Post(':id/page-ack')
  @Roles('abuse_desk', 'abuse_lead', 'noc')
  @Audit('order.page_ack')
  @HttpCode(200)
  @ApiOperation({
    summary: 'The on-call person took the page: it stops repeating (the first acknowledgement counts)',
  })
  @ApiOkResponse({ type: OrderView })
  @ApiBadRequestResponse({ description: 'The id is not a UUID' })
  @ApiNotFoundResponse({ description: 'No such order' })
  @ApiServiceUnavailableResponse({
    description: 'Temporal is unavailable; the acknowledgement is stored, retry',
  })
  acknowledgePage(
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<OrderView> {
    return this.orders.acknowledgePage(id, principal);
  }
}
