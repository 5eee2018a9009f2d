import type { INestApplication } from '@nestjs/common';
import { Client } from 'pg';
import request from 'supertest';
import { createApiToken, revokeApiToken } from '@takedown/persistence';
import { AppConfig } from '@takedown/api/app-config';
import { TokenCache } from '@takedown/api/auth/token-cache';
import { createApp } from '@takedown/api/create-app';
import { eventually } from '../support/eventually';
import { testEnv } from '../support/env';
import { ownDatabase } from '../support/own-database';

/**
 * Two API replicas on one database: each keeps the tokens it verified, and forgets one as soon as the database
 * announces a change to it, whoever made the change.
 */
describe('verified API tokens, kept per replica and forgotten on every replica at once', () => {
  const own = ownDatabase('token_cache');
  let b: INestApplication;
  /** Superuser session: writes that go around the triggers, as nothing in Takedown can. */
  let superuser: Client;

  beforeAll(async () => {
    await own.start();
    b = await createApp(new AppConfig(testEnv({ DATABASE_URL: own.url })));
    await b.init();
    superuser = new Client({ connectionString: own.url });
    await superuser.connect();
    await eventually(
      async () => [own.app, b].every((app) => app.get(TokenCache).active),
      (up) => up,
      10_000,
    );
  });

  afterAll(async () => {
    await superuser?.end();
    await b?.close();
    await own.stop();
  });

  const newToken = async () =>
    createApiToken(own.db, { name: 'cache', role: 'abuse_desk', createdBy: 'test' });
  const status = async (app: INestApplication, token: string) =>
    (await request(app.getHttpServer()).get('/v1/notices?limit=1').set('Authorization', `Bearer ${token}`))
      .status;
  /** A revocation the database does not announce: only a superuser around the triggers can do that. */
  const revokeUnannounced = async (id: string) => {
    await superuser.query(`SET session_replication_role = replica`);
    await superuser.query(`UPDATE api_tokens SET revoked_at = now() WHERE id = $1`, [id]);
    await superuser.query(`SET session_replication_role = DEFAULT`);
  };

  it('serves a token it verified without reading it again, until the change is announced', async () => {
    const { token, record } = await newToken();
    expect(await status(b, token)).toBe(200);

    await revokeUnannounced(record.id);
    // Kept: the row read before the revocation.
    expect(await status(b, token)).toBe(200);

    await superuser.query(`SELECT pg_notify('api_token_changed', $1)`, [record.id]);
    await eventually(
      () => status(b, token),
      (s) => s === 401,
      2_000,
    );
  });

  it('refuses a token revoked anywhere on every replica at once', async () => {
    const { token, record } = await newToken();
    expect(await status(own.app, token)).toBe(200);
    expect(await status(b, token)).toBe(200);

    // As `takedown token revoke` does it: an UPDATE by another process.
    await revokeApiToken(own.db, record.id);

    for (const app of [own.app, b]) {
      await eventually(
        () => status(app, token),
        (s) => s === 401,
        1_000,
      );
    }
  });

  it('keeps nothing while it cannot hear the announcements, and listens again', async () => {
    const { token, record } = await newToken();
    expect(await status(b, token)).toBe(200);

    await superuser.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND query = 'LISTEN api_token_changed'`,
    );
    await eventually(
      async () => b.get(TokenCache).active,
      (up) => !up,
      5_000,
    );
    // Unheard, but the kept row was dropped when the connection was lost.
    await revokeUnannounced(record.id);
    expect(await status(b, token)).toBe(401);

    await eventually(
      async () => b.get(TokenCache).active,
      (up) => up,
      10_000,
    );
    const fresh = await newToken();
    expect(await status(b, fresh.token)).toBe(200);
    await revokeApiToken(own.db, fresh.record.id);
    await eventually(
      () => status(b, fresh.token),
      (s) => s === 401,
      1_000,
    );
  });

  it('does not announce the once-a-minute record of use', async () => {
    const listener = new Client({ connectionString: own.url });
    await listener.connect();
    const heard: string[] = [];
    listener.on('notification', (n) => heard.push(n.payload ?? ''));
    await listener.query('LISTEN api_token_changed');
    try {
      const { record } = await newToken();
      await own.db.query(`UPDATE api_tokens SET last_used_at = now() WHERE id = $1`, [record.id]);
      await own.db.query(`UPDATE api_tokens SET name = 'renamed' WHERE id = $1`, [record.id]);
      await eventually(
        async () => heard,
        (h) => h.length > 0,
        2_000,
      );
      expect(heard).toEqual([record.id]);
    } finally {
      await listener.end();
    }
  });
});
