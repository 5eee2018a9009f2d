import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import { SMTPServer } from 'smtp-server';
import { Mailer } from '@takedown/mail';
import { WorkerModule } from '@takedown/worker/worker.module';
import { eventually } from '../support/eventually';
import { testEnv } from '../support/env';

/** The worker's container, closed, closes the SMTP connection its Mailer kept for the next email. */
describe('the worker container at shutdown', () => {
  let open = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    disableReverseLookup: true,
    logger: false,
    onConnect: (_session, callback) => {
      open += 1;
      callback();
    },
    onClose: () => {
      open -= 1;
    },
    onData: (stream, _session, callback) => {
      stream.resume();
      stream.on('end', () => callback());
    },
  });
  beforeAll(async () => {
    server.listen(0, '127.0.0.1');
    await once(server.server, 'listening');
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('closes the connection kept after an email', async () => {
    const port = (server.server.address() as AddressInfo).port;
    const container = await NestFactory.createApplicationContext(
      WorkerModule.forEnv(testEnv({ SMTP_URL: `smtp://127.0.0.1:${port}` })),
      { logger: false },
    );
    let closed = false;
    try {
      const sent = await container.get(Mailer).send({
        from: 'takedown@provider.example',
        to: ['abuse@tenant.example'],
        subject: 'kept',
        text: 'hello',
        idempotencyKey: 'worker-shutdown-kept',
      });
      expect(sent.status).toBe('sent');
      expect(open).toBe(1);
      await container.close();
      closed = true;
      await eventually(
        async () => open,
        (n) => n === 0,
        5_000,
      );
    } finally {
      if (!closed) await container.close();
    }
  });
});
