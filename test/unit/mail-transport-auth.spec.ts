import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { Mailer } from '@takedown/mail';

/** SMTP_URL's credentials reach the server: the Mailer logs in with them before it sends. */
describe('Mailer with credentials in SMTP_URL', () => {
  const logins: { username?: string; password?: string | null }[] = [];
  const received: string[] = [];
  const server = new SMTPServer({
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    disableReverseLookup: true,
    onAuth: (auth, _session, callback) => {
      logins.push({ username: auth.username, password: auth.password });
      return auth.username === 'relay-user' && auth.password === 'relay secret/1'
        ? callback(null, { user: auth.username })
        : callback(Object.assign(new Error('bad credentials'), { responseCode: 535 }));
    },
    onMailFrom: (_address, session, callback) =>
      session.user ? callback() : callback(Object.assign(new Error('log in first'), { responseCode: 530 })),
    onData: (stream, _session, callback) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => (received.push(Buffer.concat(chunks).toString()), callback()));
    },
  });
  let port: number;
  beforeAll(async () => {
    server.listen(0, '127.0.0.1');
    await once(server.server, 'listening');
    port = (server.server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const mail = {
    from: 'takedown@provider.example',
    to: ['customer@tenant.example'],
    subject: 'Notice',
    text: 'hello',
    idempotencyKey: 'auth-test',
  };

  it('logs in with the URL-encoded user and password, then sends', async () => {
    const mailer = new Mailer(`smtp://relay-user:${encodeURIComponent('relay secret/1')}@127.0.0.1:${port}`);
    await expect(mailer.send(mail)).resolves.toMatchObject({ status: 'sent' });
    expect(logins).toEqual([{ username: 'relay-user', password: 'relay secret/1' }]);
    expect(received.join('')).toContain('Subject: Notice');
  });

  it('sends nothing when the server refuses the credentials', async () => {
    const mailer = new Mailer(`smtp://relay-user:wrong@127.0.0.1:${port}`);
    const before = received.length;
    await expect(mailer.send(mail)).rejects.toThrow();
    expect(received.length).toBe(before);
  });
});
