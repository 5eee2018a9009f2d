import { generateKeyPairSync } from 'node:crypto';
import * as dgram from 'node:dgram';
import * as dnsPacket from 'dns-packet';
import { dkimSign } from 'mailauth';
import { dnsResolver, type DNSResolver } from '@takedown/intake';

export const SELECTOR = 'test';

/**
 * A DNS server on loopback serving DKIM keys, and the signer that goes with it, so that tests sign mail as a
 * source's domain would and the intake looks the key up over DNS as it does in production, never asking the system's
 * resolver. A domain put on `failing` answers SERVFAIL (a DNS outage).
 */
export interface DkimDns {
  /** `127.0.0.1:port`, for INBOUND_MAIL_DNS_SERVERS. */
  server: string;
  resolver: DNSResolver;
  /** Publishes a key for the domain (once) and prepends its DKIM-Signature to the message. */
  sign(raw: Buffer | string, domain: string): Promise<Buffer>;
  failing: Set<string>;
  close(): Promise<void>;
}

export async function startDkimDns(): Promise<DkimDns> {
  const keys = new Map<string, { privateKey: string; record: string }>();
  const failing = new Set<string>();
  const socket = dgram.createSocket('udp4');
  socket.on('message', (message, peer) => {
    let query: dnsPacket.Packet;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return;
    }
    const question = query.questions?.[0];
    const name = question?.name.toLowerCase() ?? '';
    const domain = name.replace(/^[^.]+\._domainkey\./, '');
    const key = question?.type === 'TXT' ? keys.get(name) : undefined;
    // dns-packet writes the response code from the low bits of the flags: NOERROR 0, SERVFAIL 2, NXDOMAIN 3.
    const rcode = failing.has(domain) ? 2 : key ? 0 : 3;
    const answer = dnsPacket.encode({
      id: query.id,
      type: 'response',
      flags:
        dnsPacket.AUTHORITATIVE_ANSWER | dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | rcode,
      questions: query.questions,
      answers:
        key && rcode === 0
          ? // A TXT string holds 255 bytes at most: the record is split, and joined again by the reader.
            [{ type: 'TXT', name: question!.name, ttl: 60, data: key.record.match(/.{1,255}/g)! }]
          : [],
    } as dnsPacket.Packet);
    socket.send(answer, peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const server = `127.0.0.1:${socket.address().port}`;

  const keyFor = (domain: string) => {
    const name = `${SELECTOR}._domainkey.${domain}`;
    let key = keys.get(name);
    if (!key) {
      const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const publicDer = pair.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
      key = {
        privateKey: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        record: `v=DKIM1; k=rsa; p=${publicDer}`,
      };
      keys.set(name, key);
    }
    return key;
  };

  return {
    server,
    resolver: dnsResolver([server]),
    failing,
    async sign(raw, domain) {
      const message = Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
      const { signatures, errors } = await dkimSign(message, {
        canonicalization: 'relaxed/relaxed',
        signatureData: [{ signingDomain: domain, selector: SELECTOR, privateKey: keyFor(domain).privateKey }],
      } as Parameters<typeof dkimSign>[1]);
      if (errors.length) throw errors[0];
      return Buffer.concat([Buffer.from(signatures), message]);
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
