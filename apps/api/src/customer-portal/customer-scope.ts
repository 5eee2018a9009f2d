import { DomainError, type Principal } from '@takedown/domain';

/**
 * The one customer a call to /v1/customer acts for. A customer token acts for its own customer, whatever it asks
 * for: another customer's id is answered as unknown, so that its existence is not told. An admin (support) names
 * the customer.
 */
export function customerOf(principal: Principal, requested?: string): string {
  if (principal.roles.includes('customer')) {
    const own = principal.scope.customerId;
    if (!own) throw new DomainError('AUTH.FORBIDDEN', 'this token is not bound to a customer');
    if (requested && requested !== own) {
      throw new DomainError('CUSTOMER.NOT_FOUND', `customer ${requested} does not exist`);
    }
    return own;
  }
  if (!requested) {
    throw new DomainError(
      'REQUEST.INVALID',
      'customerId: an admin names the customer it acts for (a customer token acts for its own)',
      'customerId',
    );
  }
  return requested;
}

/** The customer's admin contact (or an admin): the one who makes its tokens and sets its webhook. */
export function assertCustomerAdmin(principal: Principal): void {
  if (principal.roles.includes('customer') && !principal.scope.customerAdmin) {
    throw new DomainError(
      'AUTH.FORBIDDEN',
      'only the customer’s admin contact (a customer token made with admin rights) may do this',
    );
  }
}
