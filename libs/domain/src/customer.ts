export const CONTRACT_TYPES = ['colocation', 'dedicated', 'unmanaged', 'reseller', 'managed'] as const;
export type ContractType = (typeof CONTRACT_TYPES)[number];

/**
 * How a reseller's contract involves it in the notices about its end customers: `informed` gets a copy of each
 * notice, `act_first` gets the notice first and the end customer only after `act_first_minutes` without an answer,
 * `none` is left out.
 */
export const RESELLER_MODES = ['none', 'informed', 'act_first'] as const;
export type ResellerMode = (typeof RESELLER_MODES)[number];

export const CUSTOMER_STATUSES = ['active', 'suspended', 'terminating', 'terminated'] as const;
export type CustomerStatus = (typeof CUSTOMER_STATUSES)[number];

/** The languages customer mail is written in. */
export const CUSTOMER_LANGUAGES = ['nl', 'en'] as const;
export type CustomerLanguage = (typeof CUSTOMER_LANGUAGES)[number];

/** A customer's own id at the provider (`C-1001`): letters, digits and `._:/-`, so it is safe in URLs and files. */
export const CUSTOMER_REFERENCE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}$/;

/** A preventive instrument a customer declares, e.g. `hash_check_uploads`. */
export const MEASURE_KIND_PATTERN = /^[a-z][a-z0-9_]{1,63}$/;

/**
 * Addresses are compared case-insensitively everywhere (mail systems treat them so in practice), and stored in
 * lower case so that importing `Abuse@X` after `abuse@x` changes nothing.
 */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}
