import * as net from 'node:net';
import { freePort } from '@takedown/dev';

/**
 * A TCP proxy on loopback in front of a real server (PostgreSQL, Temporal), to make that server look down (nothing
 * listens), come up (`open`), or hang (`pause`: bytes towards the server are held until `resume`), without touching
 * the server that the other test files share.
 */
export class TcpProxy {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  private held: (() => void)[] | null = null;
  /** Bytes the proxy received from its clients, held ones included. */
  bytesIn = 0;

  private constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  static async create(target: { host: string; port: number }): Promise<TcpProxy> {
    return new TcpProxy(await freePort(), target);
  }

  async open(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.target);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => (client.destroy(), upstream.destroy()));
      }
      client.on('data', (chunk: Buffer) => {
        this.bytesIn += chunk.length;
        if (this.held) this.held.push(() => upstream.write(chunk));
        else upstream.write(chunk);
      });
      client.on('end', () => upstream.end());
      upstream.pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  pause(): void {
    this.held ??= [];
  }

  resume(): void {
    const held = this.held ?? [];
    this.held = null;
    held.forEach((write) => write());
  }

  async close(): Promise<void> {
    this.resume();
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
