import * as fs from 'node:fs';
import * as net from 'node:net';
import { freeLowPort, freePort } from '@takedown/config';

const listen = (port: number) =>
  new Promise<net.Server>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });

describe('freePort', () => {
  it('hands out ports below the ephemeral range, where no outgoing connection takes one meanwhile', async () => {
    const [low] = fs
      .readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    const ports: number[] = [];
    for (let i = 0; i < 100; i++) ports.push(await freePort());
    expect(ports.filter((p) => p >= low || p < 1024)).toEqual([]);
    expect(new Set(ports).size).toBe(ports.length);
  });

  it('hands out a port that can be listened on, never one it handed out before', async () => {
    const seen = new Set<number>();
    for (let i = 0; i < 20; i++) {
      const port = i % 2 ? await freePort() : await freeLowPort();
      expect(port).toBeLessThan(32768);
      expect(seen.has(port)).toBe(false);
      seen.add(port);
      const server = await listen(port);
      await new Promise((r) => server.close(r));
    }
  });
});
