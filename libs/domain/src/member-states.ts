/** The member states of the EU, by the codes the EU itself writes (ISO 3166-1 alpha-2, but Greece as EL). */
export const EU_MEMBER_STATES = [
  'AT',
  'BE',
  'BG',
  'CY',
  'CZ',
  'DE',
  'DK',
  'EE',
  'EL',
  'ES',
  'FI',
  'FR',
  'HR',
  'HU',
  'IE',
  'IT',
  'LT',
  'LU',
  'LV',
  'MT',
  'NL',
  'PL',
  'PT',
  'RO',
  'SE',
  'SI',
  'SK',
] as const;
export type EuMemberState = (typeof EU_MEMBER_STATES)[number];

/** Every code a member state is taken in: the EU's, and ISO's own GR for Greece beside EL (sorted). */
export const MEMBER_STATE_CODES: readonly string[] = [...EU_MEMBER_STATES, 'GR'].sort();
