import { Controller, Get, Headers, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { DomainError, type Principal } from '@takedown/domain';
import { Roles } from '../auth/access';
import { CurrentPrincipal, visibilityOf } from '../auth/principal';
import { NoticeEventFeed, REPLAY_MAX, type NoticeFeedEvent } from './notice-event-feed';

/** A comment line this often keeps proxies and load balancers from closing a quiet stream. */
const HEARTBEAT_MS = 15_000;

const EXAMPLE =
  'id: 4711\nevent: notice\n' +
  'data: {"id":"4711","noticeId":"0b6c2f0e-8a1d-4c3b-9f7e-2d5a6b7c8d9e","type":"escalated",' +
  '"state":"escalated","occurredAt":"2026-11-20T08:14:00.000Z"}\n\n';

@ApiTags('events')
@Controller('v1/events')
export class EventsController {
  constructor(private readonly feed: NoticeEventFeed) {}

  @Get()
  @Roles('abuse_desk', 'abuse_lead', 'account_manager', 'legal', 'noc', 'source')
  @ApiProduces('text/event-stream')
  @ApiOperation({
    summary: 'Live changes to notices as Server-Sent Events, for the notices the caller may read',
    description:
      'Each step on a notice’s timeline (a state change, a note, an assignment, …) is one `notice` event, from every ' +
      'API replica and the worker alike: `id` is the step’s id, `data` says which notice, what happened and its ' +
      'state now (never its URLs or text: read the notice for those). An account manager gets its customers’ ' +
      'notices only, a source its own. Reconnecting with `Last-Event-ID` (EventSource does it) first replays the ' +
      `steps after that id (at most ${REPLAY_MAX}; beyond that a \`reload\` event says to read the lists again). ` +
      'Authenticate with the Authorization header as on every route (an EventSource polyfill that sends headers, ' +
      'or fetch): a token in the URL would end up in logs. A comment line every 15 s keeps the stream open.',
  })
  @ApiHeader({
    name: 'Last-Event-ID',
    required: false,
    description: 'The id of the last event received: the stream replays what came after it',
    example: '4711',
  })
  @ApiOkResponse({
    description: 'The event stream (`event: notice`, or `event: reload` after a resume too far behind)',
    content: { 'text/event-stream': { schema: { type: 'string' }, example: EXAMPLE } },
  })
  @ApiBadRequestResponse({
    description: 'Last-Event-ID is not an event id',
    schema: {
      example: {
        statusCode: 400,
        code: 'REQUEST.INVALID',
        message: 'Last-Event-ID: not an event id',
        field: 'Last-Event-ID',
      },
    },
  })
  async stream(
    @Res() reply: FastifyReply,
    @CurrentPrincipal() principal: Principal,
    @Headers('last-event-id') lastEventId?: string,
  ): Promise<void> {
    if (lastEventId !== undefined && !/^\d{1,18}$/.test(lastEventId)) {
      throw new DomainError('REQUEST.INVALID', 'Last-Event-ID: not an event id', 'Last-Event-ID');
    }
    const visibility = visibilityOf(principal);
    // Live events wait here while the missed ones are replayed, so that none falls between the two.
    let held: NoticeFeedEvent[] | null = [];
    // What the replay sent (at most REPLAY_MAX ids): its notifications may still arrive after it.
    const replayed = new Set<string>();
    let ended = false;
    const res = reply.raw;
    // Nothing is written once the stream ended: the client went, or the feed stopped while this was replaying.
    const send = (text: string) => {
      if (!ended) res.write(text);
    };
    const write = (e: NoticeFeedEvent) => {
      if (!replayed.has(e.id)) send(`id: ${e.id}\nevent: notice\ndata: ${JSON.stringify(e)}\n\n`);
    };
    let unsubscribe: (() => void) | undefined;
    const heartbeat = setInterval(() => send(': keep-alive\n\n'), HEARTBEAT_MS);
    const end = () => {
      if (ended) return;
      ended = true;
      clearInterval(heartbeat);
      unsubscribe?.();
      res.end();
    };
    try {
      unsubscribe = await this.feed.subscribe(visibility, {
        events: (events) => (held ? held.push(...events) : events.forEach(write)),
        end,
      });
    } catch (err) {
      clearInterval(heartbeat);
      throw new DomainError(
        'EVENTS.UNAVAILABLE',
        `the event stream is unavailable, retry: ${(err as Error).message}`,
      );
    }
    // The response's close, not the request's: a GET's request ends (and closes) once its headers are read.
    res.on('close', end);
    // The stream is written to the raw response, past Fastify's reply: what the reply holds so far (the rate limit's
    // headers) goes along; the security headers are on the raw response already.
    reply.hijack();
    for (const [name, value] of Object.entries(reply.getHeaders())) {
      if (value !== undefined) res.setHeader(name, value);
    }
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    send('retry: 3000\n\n');
    if (lastEventId !== undefined) {
      let missed: Awaited<ReturnType<NoticeEventFeed['since']>>;
      try {
        missed = await this.feed.since(lastEventId, visibility);
      } catch {
        // The headers are out: the stream ends, and the client retries with the same id.
        return end();
      }
      missed.events.forEach(write);
      missed.events.forEach((e) => replayed.add(e.id));
      if (missed.more) send('event: reload\ndata: {}\n\n');
    }
    const live = held;
    held = null;
    live.forEach(write);
  }
}
