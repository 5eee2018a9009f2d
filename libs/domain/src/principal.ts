/**
 * Who acts. Every write carries an actor into the audit trail; an API request carries a principal (the actor
 * plus what it may see) that the roles guard sets on the request.
 */
export const ROLES = [
  'admin',
  'abuse_desk',
  'abuse_lead',
  'account_manager',
  'legal',
  'noc',
  'source',
  'customer',
] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** How the actor proved who it is: an API token, an OIDC bearer token, a signed email link, the CLI, a workflow. */
export type ActorKind = 'token' | 'oidc' | 'link' | 'cli' | 'workflow' | 'system';

export interface Actor {
  kind: ActorKind;
  /** Stable id: the token id, the OIDC subject, the link's recipient address, the OS user, the workflow id. */
  id: string;
  /** Human-readable: the token's name, the OIDC name or email, … */
  name: string;
  role?: Role;
}

/**
 * What a principal may see beyond its roles: an account manager its own customers, a source its own notices, a
 * customer its own notices, standing and webhook (and, as the customer's admin contact, its tokens).
 */
export interface PrincipalScope {
  accountManagerEmail?: string;
  source?: TokenSource;
  customerId?: string;
  customerAdmin?: boolean;
}

/** The source a source token speaks for; a trusted flagger's with its designation (DSA Art. 22), when recorded. */
export interface TokenSource {
  kind: string;
  name: string;
  designationReference?: string;
  designatingAuthority?: string;
}

export interface Principal {
  actor: Actor;
  roles: Role[];
  scope: PrincipalScope;
}

/** The one-word form used in timelines and the audit trail, e.g. `token:3f2a…` or `link:am@provider.example`. */
export function actorLabel(actor: Actor): string {
  return `${actor.kind}:${actor.id}`;
}
