import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every step on a notice's timeline is announced on the channel `notice_events` at commit, with the event's id as
 * payload, so that every API replica can tell its live streams (`GET /v1/events`) of every change, whichever
 * process wrote it (the worker's activities, any replica's routes). The timeline's bigint id is also what a client
 * resumes from (`Last-Event-ID`). A trigger, not the writers: nothing that appends a step can forget to tell.
 */
export class NoticeEventsNotify1796202000000 implements MigrationInterface {
  name = 'NoticeEventsNotify1796202000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION notice_events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('notice_events', NEW.id::text);
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER notice_events_notify AFTER INSERT ON notice_events
      FOR EACH ROW EXECUTE FUNCTION notice_events_notify()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER notice_events_notify ON notice_events`);
    await q.query(`DROP FUNCTION notice_events_notify()`);
  }
}
