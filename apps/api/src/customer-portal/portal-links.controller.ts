import {
  Body,
  Controller,
  HttpCode,
  HttpException,
  HttpStatus,
  Inject,
  Post,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Client } from '@temporalio/client';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { DomainError } from '@takedown/domain';
import {
  createApiToken,
  PORTAL_SESSION_TTL_MS,
  recordLinkRequest,
  redeemPortalLink,
} from '@takedown/persistence';
import { portalLinkWorkflow } from '@takedown/workflows/portal-link.workflow';
import { AppConfig } from '../app-config';
import { Public } from '../auth/access';
import { withTemporal } from '../temporal/notice-signal';
import { LinkRequestDto, PortalSessionDto, PortalSessionView } from './customer-portal.dto';

/** Requests per hour: per address (a contact asking again), per client address (someone trying addresses). */
const PER_ADDRESS_PER_HOUR = 3;
const PER_CLIENT_PER_HOUR = 10;

const ANSWER = {
  message: 'If this address is a registered abuse contact, a link to the portal is on its way to it.',
};

/**
 * A fresh portal link by email, and its exchange for a session. The request's answer is the same for every
 * well-formed address, in the same time: the API records the request and starts the mailing workflow alike for a
 * known and an unknown address, and only the worker looks the address up. The link's page (`/console/portal`) is
 * the console's: opening it acts on nothing; the console POSTs the link here for a short-lived customer token.
 */
@ApiTags('customer')
@Controller('v1/customer')
export class PortalLinksController {
  constructor(
    private readonly db: DataSource,
    @Inject(Client) private readonly temporal: Client,
    private readonly config: AppConfig,
  ) {}

  @Post('link-requests')
  @Public()
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Ask for a portal link by email (a registered abuse contact gets one per customer it is contact of)',
    description:
      `The answer is the same for an unknown address. At most ${PER_ADDRESS_PER_HOUR} requests per address and ` +
      `${PER_CLIENT_PER_HOUR} per client address in an hour. The link works once, for a day.`,
  })
  @ApiAcceptedResponse({ schema: { example: ANSWER } })
  @ApiBadRequestResponse({ description: 'email is not an email address' })
  @ApiTooManyRequestsResponse({
    description: 'Too many requests for this address or from this client in the last hour (Retry-After)',
    schema: {
      example: { statusCode: 429, code: 'REQUEST.RATE_LIMITED', message: '…', retryAfterSeconds: 3600 },
    },
  })
  @ApiServiceUnavailableResponse({ description: 'Temporal is unavailable; retry' })
  async request(
    @Body() dto: LinkRequestDto,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<typeof ANSWER> {
    const counts = await recordLinkRequest(this.db, dto.email, req.ip);
    if (counts.byAddress > PER_ADDRESS_PER_HOUR || counts.byClient > PER_CLIENT_PER_HOUR) {
      res.header('Retry-After', '3600');
      throw new HttpException(
        {
          statusCode: HttpStatus.TOO_MANY_REQUESTS,
          code: 'REQUEST.RATE_LIMITED',
          message: 'too many link requests for this address or from this client; try again in an hour',
          retryAfterSeconds: 3600,
        },
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    const requestId = randomUUID();
    await withTemporal(this.temporal, () =>
      this.temporal.workflow.start(portalLinkWorkflow, {
        workflowId: `portal-link:${requestId}`,
        taskQueue: this.config.env.TEMPORAL_TASK_QUEUE,
        args: [{ version: 1, requestId, email: dto.email }],
      }),
    );
    return ANSWER;
  }

  @Post('sessions')
  @Public()
  @ApiOperation({
    summary: 'Exchange a portal link (once) for a customer token valid for a working day',
    description:
      'The console’s portal page POSTs the `link` parameter of the emailed URL here. The token reads and answers ' +
      'that customer’s notices (role `customer`), as `Authorization: Bearer <token>`.',
  })
  @ApiCreatedResponse({ type: PortalSessionView })
  @ApiBadRequestResponse({ description: 'link is missing or not shaped like a portal link' })
  @ApiUnauthorizedResponse({
    description:
      'The link is not valid, was used already, or has expired (code LINK.INVALID, LINK.USED, LINK.EXPIRED)',
    schema: {
      example: {
        statusCode: 401,
        code: 'LINK.USED',
        message: 'the link was used already: ask for a new one',
      },
    },
  })
  async session(@Body() dto: PortalSessionDto): Promise<PortalSessionView> {
    const expiresAt = new Date(Date.now() + PORTAL_SESSION_TTL_MS);
    try {
      return await this.db.transaction(async (tx) => {
        const { customerId, email } = await redeemPortalLink(tx, dto.link);
        const { token } = await createApiToken(tx, {
          name: `portal session of ${email}`,
          role: 'customer',
          customerId,
          expiresAt,
          createdBy: `link:${email}`,
        });
        return { token, expiresAt: expiresAt.toISOString(), customerId };
      });
    } catch (err) {
      if (!(err instanceof DomainError) || !err.code.startsWith('LINK.')) throw err;
      throw new HttpException(
        { statusCode: HttpStatus.UNAUTHORIZED, code: err.code, message: err.message, field: 'link' },
        HttpStatus.UNAUTHORIZED,
      );
    }
  }
}
