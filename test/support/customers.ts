import type { DataSource, EntityManager } from 'typeorm';
import type { ContractType, CustomerLanguage } from '@takedown/domain';
import { AbuseContactEntity, ContractEntity, CustomerEntity, assignPrefix } from '@takedown/persistence';
import { testSpace, type TestSpace } from './prefixes';

export interface StoredCustomer {
  customer: CustomerEntity;
  /** An address inside the customer's prefix. */
  ip: string;
  contacts: string[];
}

interface CustomerOptions {
  language?: CustomerLanguage;
  policyProfile?: string;
  timeZone?: string;
  /** The contract's notice period (default 30 days: 30 s under the demo profile's one-second days). */
  noticePeriodDays?: number;
}

/** A customer with a contract (policy profile), an abuse contact and a /24 of its own, as the inventory would hold. */
export async function storeCustomer(db: DataSource, opts: CustomerOptions = {}): Promise<StoredCustomer> {
  const space = testSpace();
  return db.transaction(async (tx) => {
    const customer = await saveCustomer(tx, space, 'customer', 'colocation', `${space.v4()}/24`, opts);
    return { ...customer, ip: space.v4(23) };
  });
}

/**
 * A reseller with a /24 and `endCustomers` customers of its own, each holding a /26 inside it (the attribution chain
 * of DOMAIN.md: the most specific prefix is the end customer's, the reseller's contains it), and an address of the
 * reseller's own outside them.
 */
export async function storeReseller(
  db: DataSource,
  endCustomers: number,
  opts: CustomerOptions = {},
): Promise<{ reseller: StoredCustomer; endCustomers: StoredCustomer[] }> {
  const space = testSpace();
  if (endCustomers > 3) throw new Error('a /24 holds three /26 besides the reseller’s own');
  return db.transaction(async (tx) => {
    const reseller = await saveCustomer(tx, space, 'reseller', 'reseller', `${space.v4()}/24`, opts);
    const ends: StoredCustomer[] = [];
    for (let i = 0; i < endCustomers; i++) {
      const stored = await saveCustomer(
        tx,
        space,
        `end${i + 1}`,
        'colocation',
        `${space.v4(64 * (i + 1))}/26`,
        {},
      );
      ends.push({ ...stored, ip: space.v4(64 * (i + 1) + 7) });
    }
    return { reseller: { ...reseller, ip: space.v4(7) }, endCustomers: ends };
  });
}

async function saveCustomer(
  tx: EntityManager,
  space: TestSpace,
  name: string,
  contractType: ContractType,
  cidr: string,
  opts: CustomerOptions,
): Promise<Omit<StoredCustomer, 'ip'>> {
  const reference = space.ref(name);
  const contact = `abuse@${reference.toLowerCase()}.example`;
  const customer = await tx.save(CustomerEntity, {
    reference,
    name: `Tenant ${reference}`,
    contractType,
    status: 'active',
    language: opts.language ?? 'en',
    timeZone: opts.timeZone ?? 'Europe/Amsterdam',
    accountManagerName: 'A. Jansen',
    accountManagerEmail: `am.${reference.toLowerCase()}@provider.example`,
    parentId: null,
  });
  await tx.save(ContractEntity, {
    customerId: customer.id,
    startsOn: '2024-01-01',
    noticePeriodDays: opts.noticePeriodDays ?? 30,
    immediateTerminationForIllegalContent: true,
    policyProfile: opts.policyProfile ?? 'default',
  });
  await tx.save(AbuseContactEntity, { customerId: customer.id, email: contact, aroundTheClock: true });
  await assignPrefix(tx, { customerId: customer.id, cidr, validFrom: new Date('2024-01-01T00:00:00Z') });
  return { customer, contacts: [contact] };
}
