import ipaddr from 'ipaddr.js';
import { DomainError } from './errors';

export type IpFamily = 4 | 6;

const BITS: Record<IpFamily, number> = { 4: 32, 6: 128 };

/**
 * An IP address in one canonical form: IPv4 in dotted decimal, IPv6 as RFC 5952 (`2001:db8::1`). An IPv4-mapped
 * IPv6 address (`::ffff:198.51.100.7`, as dual-stack servers log IPv4 clients) is that IPv4 address: the content
 * sits in IPv4 space, and PostgreSQL would otherwise see an IPv6 address that no IPv4 prefix contains.
 */
export class IpAddress {
  private constructor(
    readonly family: IpFamily,
    readonly bytes: readonly number[],
  ) {}

  /** Accepts only the plain notations: no octal or hex IPv4 parts (`010.0.0.1` is not 8.0.0.1 here), no zone. */
  static parse(input: string, field = 'ip'): IpAddress {
    const text = String(input).trim();
    const fail = () => new DomainError('IP.INVALID', `${field}: not an IPv4 or IPv6 address`, field);
    if (ipaddr.IPv4.isValidFourPartDecimal(text))
      return new IpAddress(4, ipaddr.IPv4.parse(text).toByteArray());
    if (text.includes('%') || !ipaddr.IPv6.isValid(text)) throw fail();
    const dotted = text.includes('.') ? text.slice(text.lastIndexOf(':') + 1) : null;
    if (dotted !== null && !ipaddr.IPv4.isValidFourPartDecimal(dotted)) throw fail();
    // `::a.b.c.d` is the deprecated IPv4-compatible form, ::xxxx:xxxx as PostgreSQL reads it. ipaddr.js reads it as
    // ::ffff:a.b.c.d, which made `::0.0.0.0` the IPv4 address 0.0.0.0 while `::` is IPv6 (found by a property test).
    if (dotted !== null && /^::[^:]+$/.test(text)) {
      return new IpAddress(6, [...new Array<number>(12).fill(0), ...ipaddr.IPv4.parse(dotted).toByteArray()]);
    }
    const v6 = ipaddr.IPv6.parse(text);
    if (v6.isIPv4MappedAddress()) return new IpAddress(4, v6.toIPv4Address().toByteArray());
    return new IpAddress(6, v6.toByteArray());
  }

  static fromBytes(bytes: readonly number[]): IpAddress {
    if (bytes.length !== 4 && bytes.length !== 16)
      throw new Error(`an address has 4 or 16 bytes, not ${bytes.length}`);
    return new IpAddress(bytes.length === 4 ? 4 : 6, [...bytes]);
  }

  toString(): string {
    return this.family === 4
      ? ipaddr.fromByteArray([...this.bytes]).toString()
      : (ipaddr.fromByteArray([...this.bytes]) as ipaddr.IPv6).toRFC5952String();
  }
}

/**
 * A network prefix such as `198.51.100.0/24` or `2001:db8:4a::/48`. A bare address is the prefix of that one host
 * (/32 or /128), as in PostgreSQL. Host bits must be zero: `10.0.0.1/8` is more likely a typo than a network, so it
 * is refused instead of silently becoming 10.0.0.0/8.
 */
export class Cidr {
  private constructor(
    readonly network: IpAddress,
    readonly length: number,
  ) {}

  static parse(input: string, field = 'cidr'): Cidr {
    const text = String(input).trim();
    const slash = text.indexOf('/');
    const addressText = slash === -1 ? text : text.slice(0, slash);
    const lengthText = slash === -1 ? null : text.slice(slash + 1);
    let address: IpAddress;
    try {
      address = IpAddress.parse(addressText, field);
    } catch {
      throw new DomainError('CIDR.INVALID', `${field}: not an IPv4 or IPv6 prefix`, field);
    }
    const mapped = address.family === 4 && addressText.includes(':');
    const maxLength = mapped ? 128 : BITS[address.family];
    if (lengthText !== null && !/^\d{1,3}$/.test(lengthText)) {
      throw new DomainError('CIDR.INVALID', `${field}: the prefix length is not a number`, field);
    }
    const given = lengthText === null ? maxLength : Number(lengthText);
    if (given > maxLength || (mapped && given < 96)) {
      throw new DomainError('CIDR.INVALID', `${field}: the prefix length is out of range`, field);
    }
    const length = mapped ? given - 96 : given;
    if (!hostBitsZero(address.bytes, length)) {
      const network = IpAddress.fromBytes(maskBytes(address.bytes, length));
      throw new DomainError(
        'CIDR.HOST_BITS_SET',
        `${field}: host bits are set; the network is ${network.toString()}/${length}`,
        field,
      );
    }
    return new Cidr(address, length);
  }

  get family(): IpFamily {
    return this.network.family;
  }

  /** Whether `other` (an address, or a prefix of the same length or longer) lies inside this prefix. */
  contains(other: Cidr | IpAddress): boolean {
    const [address, length] =
      other instanceof Cidr ? [other.network, other.length] : [other, BITS[other.family]];
    if (address.family !== this.family || length < this.length) return false;
    const masked = maskBytes(address.bytes, this.length);
    return masked.every((b, i) => b === this.network.bytes[i]);
  }

  equals(other: Cidr): boolean {
    return this.toString() === other.toString();
  }

  toString(): string {
    return `${this.network.toString()}/${this.length}`;
  }
}

function maskBytes(bytes: readonly number[], length: number): number[] {
  return bytes.map((b, i) => {
    const bitsHere = Math.max(0, Math.min(8, length - i * 8));
    return b & ((0xff << (8 - bitsHere)) & 0xff);
  });
}

function hostBitsZero(bytes: readonly number[], length: number): boolean {
  return maskBytes(bytes, length).every((b, i) => b === bytes[i]);
}
