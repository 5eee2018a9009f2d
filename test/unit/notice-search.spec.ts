import { DomainError } from '@takedown/domain';
import { searchKind } from '@takedown/persistence';

/** What the desk's one search box takes a text for, without being told. */
describe('searchKind', () => {
  it.each([
    ['198.51.100.23', 'cidr', '198.51.100.23/32'],
    [' 198.51.100.0/24 ', 'cidr', '198.51.100.0/24'],
    ['2001:DB8::1', 'cidr', '2001:db8::1/128'],
    ['2001:db8:4a::/48', 'cidr', '2001:db8:4a::/48'],
    ['::ffff:198.51.100.7', 'cidr', '198.51.100.7/32'],
    ['9E107D9D372BB6826BD81D3542A419D6', 'hash', '9e107d9d372bb6826bd81d3542a419d6'],
    ['2fd4e1c67a2d28fced849ee1bb76e7391b93eb12', 'hash', '2fd4e1c67a2d28fced849ee1bb76e7391b93eb12'],
    [`${'ab'.repeat(32)}`, 'hash', 'ab'.repeat(32)],
    ['files.tenant-a.example', 'host', 'files.tenant-a.example'],
    ['Files.Tenant-A.Example.', 'host', 'files.tenant-a.example'],
    // A host name or a fragment of one: the host first, then (when no notice is on it) the fragment.
    ['tenant.exam', 'host', 'tenant.exam'],
    ['tenant-a.example/login', 'text', 'tenant-a.example/login'],
    ['-tenant.example', 'text', '-tenant.example'],
    ['gallery/8f1c', 'text', 'gallery/8f1c'],
    ['hotline-nl-2026-000417', 'text', 'hotline-nl-2026-000417'],
    // Reads like an address, is none: a reference or a fragment.
    ['3fa8:5f64', 'text', '3fa8:5f64'],
    ['198.51.100', 'text', '198.51.100'],
    // A hex string of another length is no hash this searches.
    ['ab'.repeat(20) + 'a', 'text', 'ab'.repeat(20) + 'a'],
  ])('takes %j for a %s search', (q, kind, value) => {
    expect(searchKind(q)).toEqual({ kind, value });
  });

  it('takes a host name as a fragment when asked to, the second search of one that found nothing', () => {
    expect(searchKind('tenant.exam', true)).toEqual({ kind: 'text', value: 'tenant.exam' });
  });

  it.each(['10.0.0.1/8', '198.51.100.0/33', '2001:db8::/129'])(
    'refuses %j, a prefix written wrong, naming q',
    (q) => {
      let error: unknown;
      try {
        searchKind(q);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).field).toBe('q');
    },
  );
});
