import * as fs from 'node:fs';
import * as net from 'node:net';

/**
 * Where freePort looks: below the ephemeral range, from which the OS picks the local port of every outgoing
 * connection (32768-60999 on Linux, 49152-65535 on macOS and Windows). A port the OS picked with `listen(0)` is from
 * that range: between the probe's close and the child's own bind, any connection on the machine could take it, and
 * on a machine running the suite's lanes side by side one did (EADDRINUSE for a Temporal server's port). Below 32768
 * too: the Temporal server keeps its membership ports in a `smallint`.
 */
const RANGE = { from: 20_000, to: 32_000 };

/** Ports this process handed out: two calls in a row never get the same one. */
const handedOut = new Set<number>();

/** Whether the OS's ephemeral range leaves RANGE alone (Linux says where it is; elsewhere it is above 49151). */
function rangeIsOutsideEphemeral(): boolean {
  try {
    const [low, high] = fs
      .readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    return high < RANGE.from || low >= RANGE.to;
  } catch {
    return true;
  }
}

const outsideEphemeral = rangeIsOutsideEphemeral();

/**
 * A TCP port free on loopback a moment ago, for a child process to bind. Picked at random below the ephemeral
 * range (see RANGE), where no outgoing connection takes it meanwhile; from the OS's own pick when that range is
 * not free of ephemeral ports on this machine.
 */
export function freePort(): Promise<number> {
  return outsideEphemeral ? freeLowPort() : osPort();
}

/** A port of RANGE free on loopback a moment ago, and not handed out before by this process: below 32768. */
export async function freeLowPort(): Promise<number> {
  for (;;) {
    const port = RANGE.from + Math.floor(Math.random() * (RANGE.to - RANGE.from));
    if (handedOut.has(port) || !(await canListen(port))) continue;
    handedOut.add(port);
    return port;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function osPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections on host:port, or rejects after `timeoutMs`. */
export async function waitForPort(host: string, port: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host, port });
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => (socket.destroy(), resolve(false)));
    });
    if (open) return;
    if (Date.now() > until) throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, delay));
  }
}
