import { Body, Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiConsumes,
  ApiGoneResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { LinkPage } from './link-pages';
import { LinksService, type LinkForm } from './links.service';
import { Public } from '../auth/access';

/** Every answer of these routes, errors included, is a page (the errors of the layers in front are JSON). */
const HTML = { 'text/html': { schema: { type: 'string' } } };

/**
 * The pages behind the signed links in emails. People, not programs, use them: every answer is an HTML page,
 * errors included. The token in the address is the only credential, hence no caching and no referrer.
 */
@ApiTags('links')
@Public()
@Controller('links')
export class LinksController {
  constructor(private readonly links: LinksService) {}

  @Get(':token')
  @ApiOperation({
    summary: 'Show what a signed link does, with a button to confirm',
    description: 'Changes nothing: mail scanners fetch links before people click them. The button POSTs.',
  })
  @ApiParam({ name: 'token', description: 'The signed token from the email' })
  @ApiProduces('text/html')
  @ApiOkResponse({
    description: 'A page with a confirm form (and a reason field for a dispute)',
    content: HTML,
  })
  @ApiBadRequestResponse({ description: 'The link is not valid (changed, or signed with an unknown key)' })
  @ApiNotFoundResponse({ description: 'The notice or task of the link does not exist' })
  @ApiConflictResponse({ description: 'The link was used already, or its notice or task is closed' })
  @ApiGoneResponse({ description: 'The link has expired' })
  async show(@Param('token') token: string, @Res({ passthrough: true }) res: FastifyReply): Promise<string> {
    return send(res, await this.links.show(token));
  }

  @Post(':token')
  @ApiOperation({
    summary:
      'Act on a signed link: the customer’s answer to a notice, or a task’s outcome; each link works once',
  })
  @ApiParam({ name: 'token', description: 'The signed token from the email' })
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiBody({
    schema: {
      type: 'object',
      properties: {
        reason: { type: 'string', maxLength: 5000, description: 'Required for a dispute' },
        note: { type: 'string', maxLength: 5000, description: 'Optional, for a task' },
        customerId: { type: 'string', format: 'uuid', description: 'Required for attribute → attributed' },
      },
    },
  })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'Done: the workflow was told', content: HTML })
  @ApiBadRequestResponse({
    description: 'The link is not valid, or a required field (reason, customerId) is missing',
  })
  @ApiNotFoundResponse({ description: 'The notice or task of the link does not exist' })
  @ApiConflictResponse({ description: 'The link was used already, or its notice or task is closed' })
  @ApiGoneResponse({ description: 'The link has expired' })
  @ApiServiceUnavailableResponse({
    description: 'Temporal is unavailable: nothing changed, the link still works',
  })
  async use(
    @Param('token') token: string,
    // Typed loosely on purpose: the global validation pipe answers in JSON, this form answers in HTML.
    @Body() form: LinkForm,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<string> {
    return send(res, await this.links.use(token, form ?? {}, req.ip));
  }
}

function send(res: FastifyReply, page: LinkPage): string {
  res.status(page.status).type('text/html; charset=utf-8').headers({
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',
    'X-Robots-Tag': 'noindex',
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
  });
  return page.html;
}
