import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { Mailer } from '@takedown/mail';

/**
 * The Mailer keeps a connection whose message the server took for the next message: fewer handshakes, greetings and
 * logins per notice. Against a real SMTP server (smtp-server) on loopback that counts connections and messages.
 */
describe('Mailer connection reuse', () => {
  let connections = 0;
  let logins = 0;
  /** Messages received, by subject, with the connection each came on. */
  let received: { subject: string; connection: string }[] = [];
  /** Answer 421 (closing) to the second transaction on a connection: a server that closed it meanwhile. */
  let closeAfterFirst = false;
  const server = new SMTPServer({
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    disableReverseLookup: true,
    logger: false,
    onConnect: (_session, callback) => {
      connections += 1;
      callback();
    },
    onAuth: (auth, _session, callback) => {
      logins += 1;
      callback(null, { user: auth.username });
    },
    onMailFrom: (_address, session, callback) =>
      closeAfterFirst && session.transaction > 1
        ? callback(Object.assign(new Error('closing the channel'), { responseCode: 421 }))
        : callback(),
    onData: (stream, session, callback) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const subject = /^Subject: (.+)$/m.exec(Buffer.concat(chunks).toString())?.[1] ?? '';
        received.push({ subject, connection: session.id });
        callback();
      });
    },
  });
  let url: string;
  beforeAll(async () => {
    server.listen(0, '127.0.0.1');
    await once(server.server, 'listening');
    url = `smtp://relay:secret@127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  let mailer: Mailer;
  beforeEach(() => {
    connections = 0;
    logins = 0;
    received = [];
    closeAfterFirst = false;
    mailer = new Mailer(url);
  });
  afterEach(() => mailer.close());

  const mail = (subject: string) => ({
    from: 'takedown@provider.example',
    to: ['customer@tenant.example'],
    subject,
    text: 'hello',
    idempotencyKey: `reuse-${subject}`,
  });

  it('carries the next message on the connection of the last, logged in once', async () => {
    for (const subject of ['one', 'two', 'three']) {
      await expect(mailer.send(mail(subject))).resolves.toMatchObject({ status: 'sent' });
    }
    expect(received.map((r) => r.subject)).toEqual(['one', 'two', 'three']);
    expect(new Set(received.map((r) => r.connection)).size).toBe(1);
    expect({ connections, logins }).toEqual({ connections: 1, logins: 1 });
  });

  it('sends concurrent messages on connections of their own, and keeps them for the next ones', async () => {
    const first = await Promise.all(['a', 'b', 'c'].map((s) => mailer.send(mail(s))));
    expect(first.map((o) => o.status)).toEqual(['sent', 'sent', 'sent']);
    expect(connections).toBe(3);
    await Promise.all(['d', 'e', 'f'].map((s) => mailer.send(mail(s))));
    expect(connections).toBe(3);
    expect(received.map((r) => r.subject).sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
  });

  it('sends on a new connection when the kept one was closed by the server before the message, once', async () => {
    await mailer.send(mail('before'));
    closeAfterFirst = true;
    await expect(mailer.send(mail('after'))).resolves.toMatchObject({ status: 'sent' });
    expect(received.map((r) => r.subject)).toEqual(['before', 'after']);
    expect(received[0].connection).not.toBe(received[1].connection);
    expect(connections).toBe(2);
  });

  it('closes a connection after a message that was not sent, and does not use it again', async () => {
    await expect(mailer.send(mail('withheld'), async () => false)).resolves.toEqual({ status: 'withheld' });
    await expect(mailer.send(mail('next'))).resolves.toMatchObject({ status: 'sent' });
    expect(received.map((r) => r.subject)).toEqual(['next']);
    expect(connections).toBe(2);
  });

  it('keeps no connection after close(), and still sends', async () => {
    await mailer.send(mail('kept'));
    mailer.close();
    await expect(mailer.send(mail('own'))).resolves.toMatchObject({ status: 'sent' });
    await mailer.send(mail('own again'));
    expect(connections).toBe(3);
  });
});
