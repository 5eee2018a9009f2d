import { Module } from '@nestjs/common';
import { EventsController } from './events.controller';
import { NoticeEventFeed } from './notice-event-feed';

/** `GET /v1/events`: the notices' timelines as a live, resumable, role-scoped Server-Sent Events stream. */
@Module({ controllers: [EventsController], providers: [NoticeEventFeed] })
export class EventsModule {}
