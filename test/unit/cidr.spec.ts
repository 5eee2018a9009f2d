import { Cidr, DomainError, IpAddress } from '@takedown/domain';

const codeOf = (fn: () => unknown): { code: string; field?: string } => {
  try {
    fn();
  } catch (err) {
    if (err instanceof DomainError) return { code: err.code, field: err.field };
    throw err;
  }
  throw new Error('expected a DomainError');
};

describe('IpAddress.parse', () => {
  it('reads IPv4 in dotted decimal and IPv6 into RFC 5952 form', () => {
    expect(IpAddress.parse('198.51.100.23').toString()).toBe('198.51.100.23');
    expect(IpAddress.parse(' 198.51.100.23 ').toString()).toBe('198.51.100.23');
    expect(IpAddress.parse('2001:0DB8:0000:0000:0000:0000:0000:0001').toString()).toBe('2001:db8::1');
    expect(IpAddress.parse('::').toString()).toBe('::');
  });

  it('treats an IPv4-mapped IPv6 address as its IPv4 address, in dotted and in hex form', () => {
    const mapped = IpAddress.parse('::ffff:198.51.100.7');
    expect(mapped.family).toBe(4);
    expect(mapped.toString()).toBe('198.51.100.7');
    expect(IpAddress.parse('::FFFF:c633:6407').toString()).toBe('198.51.100.7');
  });

  it.each([
    ['a hostname', 'files.tenant-a.example'],
    ['an octal octet, which other parsers read as 8.0.0.1', '010.0.0.1'],
    ['a hex octet', '0x0a.0.0.1'],
    ['a short IPv4 form', '10.1'],
    ['an octet over 255', '10.0.0.256'],
    ['an IPv6 zone', 'fe80::1%eth0'],
    ['two double colons', '2001:db8::1::1'],
    ['a prefix where an address is expected', '10.0.0.0/8'],
    ['nothing', ''],
  ])('refuses %s with IP.INVALID naming the field', (_what, input) => {
    expect(codeOf(() => IpAddress.parse(input, 'ip'))).toEqual({ code: 'IP.INVALID', field: 'ip' });
  });
});

describe('Cidr.parse', () => {
  it('reads IPv4 and IPv6 prefixes into canonical form', () => {
    expect(Cidr.parse('198.51.100.0/24').toString()).toBe('198.51.100.0/24');
    expect(Cidr.parse('2001:DB8:4A:0::/48').toString()).toBe('2001:db8:4a::/48');
  });

  it('takes a bare address as the prefix of one host', () => {
    expect(Cidr.parse('198.51.100.23').toString()).toBe('198.51.100.23/32');
    expect(Cidr.parse('2001:db8::1').toString()).toBe('2001:db8::1/128');
  });

  it('accepts the edge lengths /0, /32 and /128', () => {
    expect(Cidr.parse('0.0.0.0/0').length).toBe(0);
    expect(Cidr.parse('::/0').toString()).toBe('::/0');
    expect(Cidr.parse('203.0.113.255/32').toString()).toBe('203.0.113.255/32');
    expect(Cidr.parse('2001:db8::ffff/128').toString()).toBe('2001:db8::ffff/128');
  });

  it('turns an IPv4-mapped IPv6 prefix into the IPv4 prefix it covers', () => {
    expect(Cidr.parse('::ffff:198.51.100.0/120').toString()).toBe('198.51.100.0/24');
    expect(Cidr.parse('::ffff:0.0.0.0/96').toString()).toBe('0.0.0.0/0');
  });

  it('refuses host bits and names the network that was probably meant', () => {
    expect(codeOf(() => Cidr.parse('10.0.0.1/8', 'cidr'))).toEqual({
      code: 'CIDR.HOST_BITS_SET',
      field: 'cidr',
    });
    expect(() => Cidr.parse('10.0.0.1/8')).toThrow('the network is 10.0.0.0/8');
    expect(codeOf(() => Cidr.parse('2001:db8::1/64'))).toEqual({ code: 'CIDR.HOST_BITS_SET', field: 'cidr' });
    expect(codeOf(() => Cidr.parse('1.0.0.0/0'))).toEqual({ code: 'CIDR.HOST_BITS_SET', field: 'cidr' });
    expect(Cidr.parse('198.51.100.128/25').toString()).toBe('198.51.100.128/25');
    expect(codeOf(() => Cidr.parse('198.51.100.130/25'))).toEqual({
      code: 'CIDR.HOST_BITS_SET',
      field: 'cidr',
    });
  });

  it.each([
    ['a length over 32 for IPv4', '10.0.0.0/33'],
    ['a length over 128 for IPv6', '2001:db8::/129'],
    ['a negative length', '10.0.0.0/-1'],
    ['a length that is not a number', '10.0.0.0/x'],
    ['an empty length', '10.0.0.0/'],
    ['a mapped prefix shorter than /96', '::ffff:0.0.0.0/80'],
    ['a malformed address', '300.0.0.0/8'],
    ['a hostname', 'tenant-a.example/24'],
  ])('refuses %s with CIDR.INVALID naming the field', (_what, input) => {
    expect(codeOf(() => Cidr.parse(input, 'prefix'))).toEqual({ code: 'CIDR.INVALID', field: 'prefix' });
  });
});

describe('Cidr.contains', () => {
  const v4 = Cidr.parse('203.0.113.0/24');
  const v6 = Cidr.parse('2001:db8:1000::/36');

  it('contains the addresses inside it, up to both ends, and nothing past them', () => {
    expect(v4.contains(IpAddress.parse('203.0.113.0'))).toBe(true);
    expect(v4.contains(IpAddress.parse('203.0.113.255'))).toBe(true);
    expect(v4.contains(IpAddress.parse('203.0.114.0'))).toBe(false);
    expect(v4.contains(IpAddress.parse('203.0.112.255'))).toBe(false);
    expect(v6.contains(IpAddress.parse('2001:db8:1fff:ffff::1'))).toBe(true);
    expect(v6.contains(IpAddress.parse('2001:db8:2000::'))).toBe(false);
  });

  it('contains longer prefixes inside it and itself, but not shorter or sibling ones', () => {
    expect(v4.contains(Cidr.parse('203.0.113.64/26'))).toBe(true);
    expect(v4.contains(v4)).toBe(true);
    expect(Cidr.parse('203.0.113.64/26').contains(v4)).toBe(false);
    expect(Cidr.parse('203.0.113.64/26').contains(Cidr.parse('203.0.113.128/26'))).toBe(false);
  });

  it('never mixes families, even for ::/0 and 0.0.0.0/0', () => {
    expect(Cidr.parse('::/0').contains(IpAddress.parse('198.51.100.1'))).toBe(false);
    expect(Cidr.parse('0.0.0.0/0').contains(IpAddress.parse('2001:db8::1'))).toBe(false);
    expect(Cidr.parse('0.0.0.0/0').contains(IpAddress.parse('198.51.100.1'))).toBe(true);
    expect(Cidr.parse('::/0').contains(IpAddress.parse('2001:db8::1'))).toBe(true);
  });

  it('finds an IPv4-mapped IPv6 address inside the IPv4 prefix', () => {
    expect(v4.contains(IpAddress.parse('::ffff:203.0.113.70'))).toBe(true);
  });

  it('at /32 and /128 contains exactly one address', () => {
    const host4 = Cidr.parse('198.51.100.23/32');
    expect(host4.contains(IpAddress.parse('198.51.100.23'))).toBe(true);
    expect(host4.contains(IpAddress.parse('198.51.100.22'))).toBe(false);
    const host6 = Cidr.parse('2001:db8::1/128');
    expect(host6.contains(IpAddress.parse('2001:db8::1'))).toBe(true);
    expect(host6.contains(IpAddress.parse('2001:db8::2'))).toBe(false);
  });

  it('checks a length that does not fall on a byte boundary bit by bit', () => {
    const p = Cidr.parse('198.51.100.96/27');
    expect(p.contains(IpAddress.parse('198.51.100.127'))).toBe(true);
    expect(p.contains(IpAddress.parse('198.51.100.128'))).toBe(false);
    expect(p.contains(IpAddress.parse('198.51.100.95'))).toBe(false);
  });
});
