import fc from 'fast-check';
import { Cidr, DomainError, IpAddress } from '@takedown/domain';

/** Only the parser's own refusal is an acceptable failure: a TypeError on odd input would be a 500. */
function parsedOrRefused<T>(parse: () => T, codes: string[]): T | null {
  try {
    return parse();
  } catch (err) {
    if (err instanceof DomainError && codes.includes(err.code)) return null;
    throw err;
  }
}

/** What `parse` returned, or what it threw. */
function attempt<T>(parse: () => T): T | unknown {
  try {
    return parse();
  } catch (err) {
    return err;
  }
}

/** The WHATWG URL parser's canonical IPv6 form (lower case, longest zero run compressed): an independent oracle. */
const urlCanonical = (v6: string) => new URL(`http://[${v6}]/`).hostname.slice(1, -1);

const bytes = (n: number) => fc.array(fc.integer({ min: 0, max: 255 }), { minLength: n, maxLength: n });
const address = fc.oneof(bytes(4), bytes(16));

/** Zeroes the bits after `length`. */
const mask = (b: number[], length: number) =>
  b.map((x, i) => x & (0xff << (8 - Math.max(0, Math.min(8, length - i * 8)))) & 0xff);

/** Text an attacker or a sloppy CSV might put in an address column. */
const addressLikeText = fc.string({
  unit: fc.constantFrom(...'0123456789abcdefABCDEFx:./% -'.split(''), '\u0000', '٣', 'ﬀ'),
  maxLength: 60,
});

describe('IP and CIDR parsing, properties', () => {
  it('reads every dotted-decimal IPv4 address back as itself', () => {
    fc.assert(
      fc.property(fc.ipV4(), (text) => {
        const ip = IpAddress.parse(text);
        expect(ip.family).toBe(4);
        expect(ip.toString()).toBe(text);
      }),
    );
  });

  it('writes every IPv6 address in the canonical form a browser would, and reads that form back unchanged', () => {
    fc.assert(
      fc.property(fc.ipV6(), (text) => {
        const ip = IpAddress.parse(text);
        // An IPv4-mapped address is the IPv4 address it carries, and only such an address is.
        expect(ip.family).toBe(/^::ffff:[0-9a-f]{1,4}:[0-9a-f]{1,4}$/.test(urlCanonical(text)) ? 4 : 6);
        fc.pre(ip.family === 6);
        expect(ip.toString()).toBe(urlCanonical(text));
        expect(IpAddress.parse(ip.toString()).toString()).toBe(ip.toString());
      }),
    );
  });

  it('round-trips any 4 or 16 bytes through text', () => {
    fc.assert(
      fc.property(address, (b) => {
        const ip = IpAddress.fromBytes(b);
        const again = IpAddress.parse(ip.toString());
        // 16 bytes of an IPv4-mapped address come back as the IPv4 address.
        const mapped =
          b.length === 16 && b.slice(0, 10).every((x) => x === 0) && b[10] === 255 && b[11] === 255;
        expect([...again.bytes]).toEqual(mapped ? b.slice(12) : b);
      }),
    );
  });

  it('refuses any other text with its own error, never with a crash', () => {
    fc.assert(
      fc.property(fc.oneof(addressLikeText, fc.string({ maxLength: 80 })), (text) => {
        const ip = parsedOrRefused(() => IpAddress.parse(text), ['IP.INVALID']);
        // Whatever it accepts is an address that reads back as itself.
        expect(ip && IpAddress.parse(ip.toString()).toString()).toBe(ip && ip.toString());
        const cidr = parsedOrRefused(() => Cidr.parse(text), ['CIDR.INVALID', 'CIDR.HOST_BITS_SET']);
        expect(cidr && Cidr.parse(cidr.toString()).equals(cidr)).toBe(cidr && true);
      }),
    );
  });

  it('accepts a prefix exactly when its host bits are zero, and then names the network it means', () => {
    fc.assert(
      fc.property(
        address.chain((b) => fc.tuple(fc.constant(b), fc.integer({ min: 0, max: b.length * 8 }))),
        ([b, length]) => {
          const text = `${IpAddress.fromBytes(b).toString()}/${length}`;
          const network = mask(b, length);
          const hostBitsSet = network.some((x, i) => x !== b[i]);
          const mapped = b.length === 16 && IpAddress.fromBytes(b).family === 4;
          fc.pre(!mapped); // as IPv4 inside IPv6 text, rules of its own (tested in cidr.spec.ts)
          const result = attempt(() => Cidr.parse(text));
          expect(result instanceof Cidr ? 'accepted' : (result as DomainError).code).toBe(
            hostBitsSet ? 'CIDR.HOST_BITS_SET' : 'accepted',
          );
          // Accepted, the prefix names itself; refused, the network it suggests is itself a valid prefix. Either
          // way, it is this network.
          const named =
            result instanceof Cidr
              ? result
              : Cidr.parse(/the network is (\S+)$/.exec((result as Error).message)?.[1] ?? '');
          expect(named.toString()).toBe(`${IpAddress.fromBytes(network).toString()}/${length}`);
          expect(named.length).toBe(length);
        },
      ),
    );
  });

  it('contains an address exactly when the address agrees with the network on the prefix bits', () => {
    const cases = fc
      .constantFrom(4, 16)
      .chain((n) => fc.tuple(bytes(n), fc.integer({ min: 0, max: n * 8 }), bytes(n), fc.boolean()));
    fc.assert(
      fc.property(cases, ([b, length, other, sameNetwork]) => {
        const net = mask(b, length);
        // Half the candidates share the network's prefix bits, so that both answers are tried often.
        const candidate = sameNetwork
          ? other.map((x, i) => {
              const m = mask([0xff], Math.max(0, Math.min(8, length - i * 8)))[0];
              return (net[i] & m) | (x & ~m & 0xff);
            })
          : other;
        const family = b.length === 4 ? 4 : 6;
        // IPv4-mapped networks and addresses are IPv4 ones: tested as such.
        fc.pre(
          IpAddress.fromBytes(net).family === family && IpAddress.fromBytes(candidate).family === family,
        );
        const cidr = Cidr.parse(`${IpAddress.fromBytes(net).toString()}/${length}`);
        const inside = mask(candidate, length).every((x, i) => x === net[i]);
        expect(cidr.contains(IpAddress.fromBytes(candidate))).toBe(inside);
        // A candidate made inside the network is inside it.
        expect(inside || !sameNetwork).toBe(true);
      }),
    );
  });

  it('orders prefixes: a longer prefix inside a shorter one is contained, never the other way round', () => {
    fc.assert(
      fc.property(
        bytes(16),
        fc.integer({ min: 0, max: 128 }),
        fc.integer({ min: 0, max: 128 }),
        (b, x, y) => {
          const [short, long] = x <= y ? [x, y] : [y, x];
          fc.pre(IpAddress.fromBytes(b).family === 6 && IpAddress.fromBytes(mask(b, short)).family === 6);
          const outer = Cidr.parse(`${IpAddress.fromBytes(mask(b, short)).toString()}/${short}`);
          const inner = Cidr.parse(`${IpAddress.fromBytes(mask(b, long)).toString()}/${long}`);
          expect(outer.contains(inner)).toBe(true);
          expect(inner.contains(outer)).toBe(short === long);
        },
      ),
    );
  });
});
