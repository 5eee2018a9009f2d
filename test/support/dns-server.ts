import * as dgram from 'node:dgram';
import * as dnsPacket from 'dns-packet';

/**
 * An authoritative DNS server on loopback for the host names reports name: `zone` maps a name to its A and AAAA
 * records, a name not in it is NXDOMAIN, a name on `silent` gets no answer at all (a resolver that times out).
 * Every question asked is kept in `asked`.
 */
export interface TestDns {
  /** `127.0.0.1:port`, for DNS_RESOLVER. */
  server: string;
  zone: Map<string, { A?: string[]; AAAA?: string[] }>;
  silent: Set<string>;
  asked: { name: string; type: string }[];
  close(): Promise<void>;
}

export async function startTestDns(): Promise<TestDns> {
  const zone: TestDns['zone'] = new Map();
  const silent = new Set<string>();
  const asked: TestDns['asked'] = [];
  const socket = dgram.createSocket('udp4');
  socket.on('message', (message, peer) => {
    let query: dnsPacket.Packet;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return;
    }
    const question = query.questions?.[0];
    if (!question) return;
    const name = question.name.toLowerCase();
    asked.push({ name, type: question.type });
    if (silent.has(name)) return;
    const records = zone.get(name);
    const data =
      records && (question.type === 'A' || question.type === 'AAAA') ? (records[question.type] ?? []) : [];
    // dns-packet writes the response code from the low bits of the flags: NOERROR 0, NXDOMAIN 3.
    const rcode = records ? 0 : 3;
    const answer = dnsPacket.encode({
      id: query.id,
      type: 'response',
      flags: dnsPacket.AUTHORITATIVE_ANSWER | dnsPacket.RECURSION_DESIRED | rcode,
      questions: query.questions,
      answers: data.map((address) => ({ type: question.type, name: question.name, ttl: 60, data: address })),
    } as dnsPacket.Packet);
    socket.send(answer, peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    server: `127.0.0.1:${socket.address().port}`,
    zone,
    silent,
    asked,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
