import * as net from 'node:net';

/** A client's first line from the listener (its greeting or its refusal). */
export function greeting(port: number): Promise<{ socket: net.Socket; first: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('error', reject);
    socket.once('data', (d: Buffer) => resolve({ socket, first: d.toString() }));
  });
}

/**
 * A sender that does not stop on its own: the SMTP dialogue, then `header` and `bodyBytes` of body written as fast as
 * the listener reads them, until the listener closes the connection or all is sent.
 */
export async function smtpFlood(
  port: number,
  header: string,
  bodyBytes: number,
): Promise<{ replies: string; written: number; closedEarly: boolean; closedByListener: boolean }> {
  const socket = net.connect(port, '127.0.0.1');
  let replies = '';
  let closed = false;
  socket.on('data', (d: Buffer) => (replies += d.toString()));
  socket.on('error', () => (closed = true));
  socket.on('close', () => (closed = true));
  const reply = async (code: string) => {
    const started = Date.now();
    while (!new RegExp(`^${code} `, 'm').test(replies)) {
      if (closed || Date.now() - started > 10_000) throw new Error(`no ${code} reply: ${replies}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    replies = '';
  };
  await reply('220');
  for (const [command, code] of [
    ['EHLO flood.example', '250'],
    ['MAIL FROM:<a@mailbox.example>', '250'],
    ['RCPT TO:<abuse@provider.example>', '250'],
    ['DATA', '354'],
  ]) {
    socket.write(`${command}\r\n`);
    await reply(code);
  }
  let written = 0;
  const write = async (chunk: Buffer) => {
    if (closed) return;
    written += chunk.length;
    if (!socket.write(chunk)) {
      await new Promise<void>((resolve) => {
        socket.once('drain', resolve);
        socket.once('close', resolve);
      });
    }
  };
  await write(Buffer.from(header));
  const line = Buffer.from(`${'a'.repeat(1022)}\r\n`);
  const chunk = Buffer.concat(Array.from({ length: 64 }, () => line));
  for (let sent = 0; sent < bodyBytes && !closed; sent += chunk.length) await write(chunk);
  const closedEarly = closed;
  await write(Buffer.from('\r\n.\r\n'));
  const closedByListener = await new Promise<boolean>((resolve) => {
    if (closed) return resolve(true);
    socket.once('close', () => resolve(true));
    setTimeout(() => {
      socket.destroy();
      resolve(false);
    }, 5000);
  });
  return { replies, written, closedEarly, closedByListener };
}
