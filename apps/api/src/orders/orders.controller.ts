import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Res,
  StreamableFile,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { actorLabel, type Principal } from '@takedown/domain';
import { Audit } from '../audit/audit.decorator';
import { Roles } from '../auth/access';
import { CurrentPrincipal } from '../auth/principal';
import { jsonFile, pdfFile } from '../terminations/snapshot-files';
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
    @Res({ passthrough: true }) res: FastifyReply,
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

  @Get(':id/completion.json')
  @Roles('abuse_desk', 'abuse_lead', 'legal', 'noc')
  @Audit('order.completion.json')
  @ApiOperation({
    summary: 'The completion record for the authority (TCO Art. 3(6)), for machines: signed JSON',
    description:
      'Made once the order’s notice is closed: the order’s reference, the time of removal or disabling, what was ' +
      'done, and until when the content’s metadata is preserved (six months, Art. 6). A signed snapshot (kind ' +
      '`order_completion`): the same bytes at every download; the PDF prints this JSON’s digest. URLs only as host ' +
      'and SHA-256 of the path. Verify with `takedown verify-report FILE`.',
  })
  @ApiProduces('application/json')
  @ApiOkResponse({ description: 'The signed completion record' })
  @ApiNotFoundResponse({ description: 'No such order' })
  @ApiConflictResponse({ description: 'The order’s notice is still open (ORDER.OPEN; `state` is its state)' })
  async completionJson(
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<StreamableFile> {
    return jsonFile(await this.orders.completion(id, actorLabel(principal.actor)), 'order-completion');
  }

  @Get(':id/completion.pdf')
  @Roles('abuse_desk', 'abuse_lead', 'legal', 'noc')
  @Audit('order.completion.pdf')
  @ApiOperation({
    summary: 'The completion record for the authority (TCO Art. 3(6)), for people: PDF',
    description:
      'The same snapshot as completion.json: the PDF prints the digest of that JSON, and carries the signature.',
  })
  @ApiProduces('application/pdf')
  @ApiOkResponse({ description: 'The completion record as PDF' })
  @ApiNotFoundResponse({ description: 'No such order' })
  @ApiConflictResponse({ description: 'The order’s notice is still open (ORDER.OPEN; `state` is its state)' })
  async completionPdf(
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<StreamableFile> {
    return pdfFile(await this.orders.completion(id, actorLabel(principal.actor)), 'order-completion');
  }
}
