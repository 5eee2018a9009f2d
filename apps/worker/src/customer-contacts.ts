import { ApplicationFailure } from '@temporalio/activity';
import type { DataSource } from 'typeorm';
import { AbuseContactEntity, CustomerEntity } from '@takedown/persistence';

/** A customer and its abuse contacts, or a non-retryable failure: mail to nobody can't succeed on a retry. */
export async function customerWithContacts(
  db: DataSource,
  customerId: string,
): Promise<{ customer: CustomerEntity; contacts: AbuseContactEntity[] }> {
  const customer = await db.getRepository(CustomerEntity).findOneBy({ id: customerId });
  if (!customer) {
    throw ApplicationFailure.nonRetryable(`customer ${customerId} does not exist`, 'CUSTOMER.NOT_FOUND');
  }
  const contacts = await db
    .getRepository(AbuseContactEntity)
    .find({ where: { customerId: customer.id }, order: { email: 'ASC' } });
  if (!contacts.length) {
    throw ApplicationFailure.nonRetryable(
      `customer ${customer.reference} has no abuse contacts`,
      'CUSTOMER.NO_CONTACTS',
    );
  }
  return { customer, contacts };
}
