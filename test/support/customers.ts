import type { DataSource } from 'typeorm';
import type { CustomerLanguage } from '@takedown/domain';
import { AbuseContactEntity, ContractEntity, CustomerEntity, assignPrefix } from '@takedown/persistence';
import { testSpace } from './prefixes';

export interface StoredCustomer {
  customer: CustomerEntity;
  /** An address inside the customer's prefix. */
  ip: string;
  contacts: string[];
}

/** A customer with a contract (policy profile), an abuse contact and a /24 of its own, as the inventory would hold. */
export async function storeCustomer(
  db: DataSource,
  opts: { language?: CustomerLanguage; policyProfile?: string; timeZone?: string } = {},
): Promise<StoredCustomer> {
  const space = testSpace();
  const reference = space.ref('customer');
  const contact = `abuse@${reference.toLowerCase()}.example`;
  return db.transaction(async (tx) => {
    const customer = await tx.save(CustomerEntity, {
      reference,
      name: `Tenant ${reference}`,
      contractType: 'colocation',
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
      noticePeriodDays: 30,
      immediateTerminationForIllegalContent: true,
      policyProfile: opts.policyProfile ?? 'default',
    });
    await tx.save(AbuseContactEntity, { customerId: customer.id, email: contact, aroundTheClock: true });
    await assignPrefix(tx, {
      customerId: customer.id,
      cidr: `${space.v4()}/24`,
      validFrom: new Date('2024-01-01T00:00:00Z'),
    });
    return { customer, ip: space.v4(23), contacts: [contact] };
  });
}
