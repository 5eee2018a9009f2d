import { isIP } from 'node:net';
import { z } from 'zod';
import {
  CATEGORIES,
  durationToMs,
  isRole,
  parseMailSources,
  ROLES,
  type Category,
  type Role,
} from '@takedown/domain';

/**
 * Every setting Takedown reads from the environment, validated once at start-up so that a bad value stops the
 * process with one line naming the variable instead of failing later in some request.
 */
const port = z.coerce.number().int().min(0).max(65535);
/** Whether this runtime knows the IANA time zone (`Intl` throws a RangeError for an unknown one). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone.length > 0;
  } catch {
    return false;
  }
}
const isCategory = (v: string | undefined): v is Category =>
  (CATEGORIES as readonly string[]).includes(v ?? '');
const optionalUrl = (protocols: string[]) =>
  z
    .string()
    .trim()
    .min(1)
    .refine(
      (v) => {
        try {
          return protocols.includes(new URL(v).protocol);
        } catch {
          return false;
        }
      },
      `must be a URL with one of ${protocols.join(', ')}`,
    )
    .optional();

/** An ISO 8601 duration of days, hours or less (`P90D`, `PT24H`), as milliseconds. */
const duration = (fallback: string) =>
  z
    .string()
    .trim()
    .default(fallback)
    .transform((v, ctx) => {
      try {
        const ms = durationToMs(v);
        if (ms > 0) return ms;
      } catch {
        // reported below
      }
      ctx.addIssue({
        code: 'custom',
        message: 'must be a positive ISO 8601 duration in weeks, days or less, such as P90D or PT24H',
      });
      return z.NEVER;
    });

/**
 * The secrets that .env.example and the docs show (test/unit/config-secrets.spec.ts reads them from .env.example):
 * anyone can read them, so production refuses them, in a signing key, a webhook secret or a URL's password.
 */
const SAMPLE_SECRETS = [
  'change-me-to-at-least-32-random-characters',
  'replace-me-with-32-or-more-random-characters',
  'change-me-to-32-random-bytes-in-base64url--',
];
const SAMPLE_PASSWORDS = new Set(['secret', 'password', 'takedown']);

function isSampleSecret(value: unknown): boolean {
  if (typeof value === 'string' && /^[a-z]+:\/\//i.test(value)) {
    try {
      if (SAMPLE_PASSWORDS.has(decodeURIComponent(new URL(value).password))) return true;
    } catch {
      // not a URL: checked as text below
    }
  }
  const text = JSON.stringify(value) ?? '';
  return SAMPLE_SECRETS.some((sample) => text.includes(sample));
}

export const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    DATABASE_URL: optionalUrl(['postgres:', 'postgresql:']),
    /**
     * Connections each API or worker process keeps to PostgreSQL at most. A single intake holds one through its
     * workflow start, so this bounds the intakes one API process takes at once (docs/scaling.md).
     */
    DATABASE_POOL_SIZE: z.coerce.number().int().min(2).max(500).default(20),
    TEMPORAL_ADDRESS: z
      .string()
      .trim()
      .regex(/^[^\s:]+:\d{1,5}$/, 'must be host:port')
      .optional(),
    TEMPORAL_NAMESPACE: z.string().trim().min(1).default('default'),
    /** The local Temporal server's storage when TEMPORAL_ADDRESS is unset: the dev server's SQLite file, or PostgreSQL. */
    TEMPORAL_PERSISTENCE: z.enum(['sqlite', 'postgres']).default('sqlite'),
    /** TLS to the Temporal frontend; implied by any TEMPORAL_TLS_* file or TEMPORAL_API_KEY. */
    TEMPORAL_TLS: z.enum(['true', 'false']).default('false'),
    /** A CA bundle for a self-hosted frontend's certificate (default: the system's roots). */
    TEMPORAL_TLS_CA_FILE: z.string().trim().min(1).optional(),
    /** mTLS client certificate and key (PEM), as Temporal Cloud and many self-hosted clusters ask. */
    TEMPORAL_TLS_CERT_FILE: z.string().trim().min(1).optional(),
    TEMPORAL_TLS_KEY_FILE: z.string().trim().min(1).optional(),
    TEMPORAL_TLS_SERVER_NAME: z.string().trim().min(1).optional(),
    /** A Temporal Cloud API key, instead of a client certificate. */
    TEMPORAL_API_KEY: z.string().trim().min(1).optional(),
    /**
     * Encrypt what goes into Temporal history (docs/hardening.md): `kid:key[,kid:key…]`, each key 32 random bytes in
     * base64url. The first encrypts; all decrypt (rotation). Required in production; elsewhere a key is generated
     * once under TAKEDOWN_DATA_DIR.
     */
    TEMPORAL_PAYLOAD_KEYS: z
      .string()
      .trim()
      .regex(
        /^[\w.-]+:[A-Za-z0-9_-]{43}(,[\w.-]+:[A-Za-z0-9_-]{43})*$/,
        'must be kid:key pairs separated by commas, each key 32 bytes in base64url (43 characters)',
      )
      .optional(),
    /** The codec server for the Temporal UI (`npm run codec-server`): where it listens, and the UI it answers. */
    CODEC_SERVER_HOST: z.string().trim().min(1).default('127.0.0.1'),
    CODEC_SERVER_PORT: port.default(8234),
    CODEC_SERVER_UI_ORIGIN: z
      .string()
      .trim()
      .regex(/^https?:\/\/[^/\s]+$/, 'must be an origin such as https://temporal-ui.internal (no path)')
      .default('http://127.0.0.1:8233'),
    /** Worker tuning (docs/scaling.md): workflows kept in memory between tasks, and tasks run at once. */
    WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).optional(),
    WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: z.coerce.number().int().min(2).optional(),
    WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).optional(),
    TEMPORAL_TASK_QUEUE: z.string().trim().min(1).default('takedown-notices'),
    SMTP_URL: optionalUrl(['smtp:', 'smtps:']),
    MAIL_FROM: z.string().trim().email().default('takedown@provider.example'),
    /** The provider's name, as the letterhead of formal letters (termination notices). */
    PROVIDER_NAME: z.string().trim().min(1).max(200).default('Provider B.V.'),
    /** The provider's IANA time zone: the console's times for a person who has not picked one. */
    PROVIDER_TIME_ZONE: z
      .string()
      .trim()
      .default('Europe/Amsterdam')
      .refine(isTimeZone, 'must be an IANA time zone (Europe/Amsterdam)'),
    ABUSE_DESK_EMAIL: z.string().trim().email().default('abuse-desk@provider.example'),
    ABUSE_LEAD_EMAIL: z.string().trim().email().default('abuse-lead@provider.example'),
    NOC_EMAIL: z.string().trim().email().default('noc@provider.example'),
    LEGAL_EMAIL: z.string().trim().email().default('legal@provider.example'),
    /** `kid:secret[,kid:secret…]`: the first signs new links, the others still verify (rotation). */
    LINK_SIGNING_KEYS: z
      .string()
      .trim()
      .regex(
        /^[\w-]+:[^,:]{32,}(,[\w-]+:[^,:]{32,})*$/,
        'must be kid:secret pairs separated by commas, secrets of 32+ characters',
      )
      .optional(),
    /**
     * Keys of the path hashes in anonymised URLs and reports (`[hmac:<kid>:<hex>]`), held outside PostgreSQL:
     * `kid:secret[,kid:secret…]`; the first hashes, all still match. Required in production; elsewhere a key is
     * generated once under TAKEDOWN_DATA_DIR.
     */
    URL_HASH_KEYS: z
      .string()
      .trim()
      .regex(
        /^[\w.-]+:[^,:]{32,}(,[\w.-]+:[^,:]{32,})*$/,
        'must be kid:secret pairs separated by commas, secrets of 32+ characters',
      )
      .optional(),
    /** How long a link in an email stays valid. */
    LINK_TTL: z.string().trim().regex(/^P/, 'must be an ISO 8601 duration such as P7D').default('P7D'),
    MAIL_CAPTURE_DIR: z.string().trim().min(1).optional(),
    API_HOST: z.string().trim().min(1).default('127.0.0.1'),
    API_PORT: port.default(3000),
    PUBLIC_BASE_URL: optionalUrl(['http:', 'https:']),
    WORKER_HOST: z.string().trim().min(1).default('127.0.0.1'),
    WORKER_PORT: port.default(3001),
    /** The mail-intake process's /health (its SMTP listener is on INBOUND_SMTP_PORT). */
    MAIL_INTAKE_HOST: z.string().trim().min(1).default('127.0.0.1'),
    MAIL_INTAKE_PORT: port.default(3002),
    POLICY_PROFILE: z.enum(['default', 'demo']).default('default'),
    TAKEDOWN_DATA_DIR: z.string().trim().min(1).default('.data'),
    TAKEDOWN_CACHE_DIR: z.string().trim().min(1).optional(),
    PG_PORT: port.default(54329),
    TEMPORAL_PORT: port.default(7233),
    TEMPORAL_UI_PORT: port.default(8233),
    SMTP_CAPTURE_PORT: port.default(2525),
    /** Inbound mail (X-ARF, ARF, plain reports): unset, the API runs no SMTP listener; `npm start` uses 2526. */
    INBOUND_SMTP_PORT: port.optional(),
    INBOUND_SMTP_HOST: z.string().trim().min(1).default('127.0.0.1'),
    /** The addresses the listener accepts mail for. */
    INBOUND_MAIL_ADDRESSES: z
      .string()
      .trim()
      .default('abuse@provider.example')
      .transform((v) =>
        v
          .toLowerCase()
          .split(/[\s,]+/)
          .filter(Boolean),
      )
      .pipe(z.array(z.string().email()).min(1)),
    INBOUND_MAIL_MAX_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(10 * 1024 * 1024),
    /** The most bytes of header section a message may have (the listener drops the connection past it). */
    INBOUND_MAIL_MAX_HEADER_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(64 * 1024),
    /** The most SMTP connections the listener holds at once; one more is answered 421. */
    INBOUND_SMTP_MAX_CLIENTS: z.coerce.number().int().min(1).default(20),
    /** Who may send reports by mail: `kind|name|sender @domain …[|cidr …];…` (see README). */
    INBOUND_MAIL_SOURCES: z
      .string()
      .trim()
      .default('')
      .superRefine((v, ctx) => {
        const parsed = parseMailSources(v);
        if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
      }),
    /** The authserv-id of the provider's own MX: its `Authentication-Results` header vouches for DKIM. */
    INBOUND_MAIL_AUTHSERV_ID: z.string().trim().min(1).optional(),
    /** DNS servers (`ip` or `ip:port`) for DKIM keys, instead of the system's. */
    INBOUND_MAIL_DNS_SERVERS: z
      .string()
      .trim()
      .default('')
      .transform((v) => v.split(/[\s,]+/).filter(Boolean))
      .superRefine((servers, ctx) => {
        const bad = servers.find((s) => !isIP(s) && !isIP(s.replace(/^\[(.*)\]:\d+$|^([^:]*):\d+$/, '$1$2')));
        if (bad) ctx.addIssue({ code: 'custom', message: `"${bad}" is not ip or ip:port` });
      }),
    /**
     * DNS servers (`ip` or `ip:port`) that resolve the host name of a report naming no address, instead of the
     * system's (README, "Host names").
     */
    DNS_RESOLVER: z
      .string()
      .trim()
      .default('')
      .transform((v) => v.split(/[\s,]+/).filter(Boolean))
      .superRefine((servers, ctx) => {
        const bad = servers.find((s) => !isIP(s) && !isIP(s.replace(/^\[(.*)\]:\d+$|^([^:]*):\d+$/, '$1$2')));
        if (bad) ctx.addIssue({ code: 'custom', message: `"${bad}" is not ip or ip:port` });
      }),
    /** How long a report's host name may take to resolve before intake takes the notice without an address. */
    DNS_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(2000),
    /**
     * Ed25519 keys that sign report snapshots (docs/compliance.md): `kid:seed[,kid:seed…]`, each seed 32 random bytes
     * in base64url. The first signs; the others stay in the published key set so that older snapshots still verify.
     * Required in production; elsewhere a key is generated once under TAKEDOWN_DATA_DIR.
     */
    REPORT_SIGNING_KEYS: z
      .string()
      .trim()
      .regex(
        /^[\w.-]+:[A-Za-z0-9_-]{43}(,[\w.-]+:[A-Za-z0-9_-]{43})*$/,
        'must be kid:seed pairs separated by commas, each seed 32 bytes in base64url (43 characters)',
      )
      .optional(),
    /** Signs the audit chain's head (docs/audit.md): a secret of 32+ characters that PostgreSQL never sees. */
    AUDIT_HEAD_KEY: z.string().trim().min(32, 'must be 32 or more characters').optional(),
    /**
     * Where the worker appends each signed head, one JSON line, besides `audit_heads` and the log. On the worker's
     * machine: ship it to storage the database's owner cannot rewrite.
     */
    AUDIT_HEAD_FILE: z.string().trim().min(1).optional(),
    /** The interval of the audit-head schedule (a Temporal Schedule the worker keeps). */
    AUDIT_HEAD_EVERY_SECONDS: z.coerce.number().int().min(1).default(60),
    LEGAL_MESSAGES_EVERY_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
    /**
     * Where statements of reasons are submitted (the EU Transparency Database's `…/api/v1/statements`, which takes
     * up to 100 at once), hourly by a Temporal Schedule; unset, nothing is submitted.
     */
    TRANSPARENCY_DB_URL: optionalUrl(['https:', 'http:']),
    /** The bearer token for TRANSPARENCY_DB_URL. */
    TRANSPARENCY_DB_TOKEN: z.string().trim().min(1).optional(),
    /**
     * Whether a webhook a customer set may reach an address that is not public (loopback, private, link-local, …),
     * checked after DNS on the address connected to. Default: `refuse` in production, `allow` elsewhere (receivers on
     * loopback in development and tests).
     */
    WEBHOOK_PRIVATE_TARGETS: z.enum(['allow', 'refuse']).optional(),
    /**
     * Whether the worker checks a removal claim by HEAD requests where the notice's policy allows it
     * (`probeRemoval`): `on` (default) through the provider's egress, under WEBHOOK_PRIVATE_TARGETS; `loopback` only
     * to loopback addresses (development and tests: nothing leaves the machine); `off` never (the desk checks).
     */
    REMOVAL_PROBE: z.enum(['on', 'loopback', 'off']).default('on'),
    /** Feedback callbacks when a notice closes: `source name|https://url|secret;…` (secrets of 32+ characters). */
    FEEDBACK_WEBHOOKS: z
      .string()
      .trim()
      .default('')
      .transform((v, ctx): FeedbackWebhook[] =>
        v
          .split(';')
          .map((e) => e.trim())
          .filter(Boolean)
          .map((entry) => {
            const [source, url, secret, ...rest] = entry.split('|').map((p) => p.trim());
            let ok = !rest.length && !!source && !!secret && secret.length >= 32;
            try {
              ok &&= ['http:', 'https:'].includes(new URL(url).protocol);
            } catch {
              ok = false;
            }
            if (!ok) {
              ctx.addIssue({
                code: 'custom',
                message: `"${source ?? ''}|…" must be source name|http(s) URL|secret of 32+ characters`,
              });
            }
            return { source, url, secret };
          }),
      ),
    /** OIDC bearer tokens from the provider's SSO: unset issuer, only Takedown's own API tokens are accepted. */
    OIDC_ISSUER: optionalUrl(['http:', 'https:']),
    OIDC_AUDIENCE: z.string().trim().min(1).optional(),
    /** The issuer's key set (its discovery document's `jwks_uri`): https, or http on loopback outside production. */
    OIDC_JWKS_URL: optionalUrl(['http:', 'https:']),
    /** The claim that lists a user's roles or groups; a dotted path reaches into objects (`realm_access.roles`). */
    OIDC_ROLES_CLAIM: z.string().trim().min(1).default('roles'),
    /**
     * `value=role,…`: the claim's values (group names) as Takedown roles, required with an issuer. Nothing is taken
     * by name: a group that happens to be called `admin` in the provider's directory must not make an admin.
     */
    OIDC_ROLE_MAP: z
      .string()
      .trim()
      .default('')
      .transform((v, ctx): Record<string, Role> => {
        const map: Record<string, Role> = {};
        for (const pair of v
          .split(',')
          .map((p) => p.trim())
          .filter(Boolean)) {
          const [from, to, ...rest] = pair.split('=').map((p) => p.trim());
          if (rest.length || !from || !to || !isRole(to) || to === 'source') {
            ctx.addIssue({
              code: 'custom',
              message: `"${pair}" must be claim value=role, the role one of ${ROLES.filter((r) => r !== 'source').join(', ')}`,
            });
          } else map[from] = to;
        }
        return map;
      }),
    /** The claim with the user's email address: an account manager's scope. */
    OIDC_EMAIL_CLAIM: z.string().trim().min(1).default('email'),
    /** How long an API token lives when `token create` is given no `--expires-in`. */
    API_TOKEN_TTL: duration('P90D'),
    /** The longest lifetime `token create` gives a token: every token expires. */
    API_TOKEN_MAX_TTL: duration('P365D'),
    /** How long the admin token that `npm start` makes on an empty database lives. */
    BOOTSTRAP_TOKEN_TTL: duration('PT24H'),
    /** Failed authentications (401) per minute from one client address before it gets 429; 0 turns it off. */
    AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().min(0).default(30),
    /**
     * The web console's client at the issuer (public, authorization code with PKCE, redirect URI
     * `<PUBLIC_BASE_URL>/console/callback`): set, the console offers single sign-on besides API tokens.
     */
    OIDC_CONSOLE_CLIENT_ID: z.string().trim().min(1).optional(),
    /** The scope the console asks for; the access token must carry OIDC_AUDIENCE and the roles claim. */
    OIDC_CONSOLE_SCOPE: z.string().trim().min(1).default('openid email profile'),
    /** Requests per minute per API token (or per client address without one); 0 turns the limit off. */
    RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(600),
    /** How often the API reads the business metrics (open, overdue notices, open tasks, intake) for /metrics. */
    METRICS_REFRESH_SECONDS: z.coerce.number().int().min(1).max(3600).default(15),
    /** Where the on-call person is paged when a removal order arrives (docs/orders.md); unset, nobody is paged. */
    PAGING_WEBHOOK_URL: optionalUrl(['https:', 'http:']),
    /** The shape PAGING_WEBHOOK_URL takes: PagerDuty Events v2, Opsgenie alert, or an incoming-webhook text. */
    PAGING_FORMAT: z.enum(['pagerduty', 'opsgenie', 'slack', 'teams', 'matrix']).default('slack'),
    /** PagerDuty's integration (routing) key, or Opsgenie's API key; required for those two formats. */
    PAGING_KEY: z.string().trim().min(1).optional(),
    /** How often an unacknowledged page repeats, as an ISO 8601 duration. */
    PAGING_REPEAT_EVERY: z
      .string()
      .trim()
      .refine((v) => {
        try {
          return durationToMs(v) >= 1000;
        } catch {
          return false;
        }
      }, 'must be an ISO 8601 duration of a second or more, such as PT5M')
      .default('PT5M'),
    /** Retention (docs/retention.md): closed notices are anonymised this many days after closing. */
    RETENTION_DAYS: z.coerce.number().int().min(1).default(365),
    /**
     * When the retention schedule runs (a Temporal Schedule the worker keeps): a cron expression in UTC (minute hour
     * day-of-month month day-of-week), or `off` to run it only by hand (`takedown retention run`).
     */
    RETENTION_SCHEDULE: z
      .string()
      .trim()
      .regex(
        /^(off|\S+ \S+ \S+ \S+ \S+)$/,
        'must be a cron expression of five fields (minute hour day-of-month month day-of-week), or off',
      )
      .default('15 3 * * *'),
    /** `category:days,…`: categories kept longer or shorter than RETENTION_DAYS (`csam:730,spam:90`). */
    RETENTION_DAYS_BY_CATEGORY: z
      .string()
      .trim()
      .default('')
      .transform((v, ctx): Partial<Record<Category, number>> => {
        const days: Partial<Record<Category, number>> = {};
        for (const pair of v
          .split(',')
          .map((p) => p.trim())
          .filter(Boolean)) {
          const [category, n, ...rest] = pair.split(':').map((p) => p.trim());
          if (rest.length || !isCategory(category) || !/^[1-9]\d*$/.test(n ?? '')) {
            ctx.addIssue({
              code: 'custom',
              message: `"${pair}" must be category:days, days a whole number of at least 1, the category one of ${CATEGORIES.join(', ')}`,
            });
          } else days[category] = Number(n);
        }
        return days;
      }),
  })
  .superRefine((env, ctx) => {
    if (!env.TEMPORAL_TLS_CERT_FILE !== !env.TEMPORAL_TLS_KEY_FILE) {
      ctx.addIssue({
        code: 'custom',
        path: [env.TEMPORAL_TLS_CERT_FILE ? 'TEMPORAL_TLS_KEY_FILE' : 'TEMPORAL_TLS_CERT_FILE'],
        message: 'TEMPORAL_TLS_CERT_FILE and TEMPORAL_TLS_KEY_FILE go together (mTLS)',
      });
    }
    if (env.NODE_ENV === 'production') {
      for (const [name, value] of Object.entries(env)) {
        if (isSecretVariable(name) && isSampleSecret(value)) {
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message:
              'holds an example secret from .env.example or the docs: set one of your own in production',
          });
        }
      }
      if (env.MAIL_CAPTURE_DIR) {
        ctx.addIssue({
          code: 'custom',
          path: ['MAIL_CAPTURE_DIR'],
          message: 'serves every outgoing mail at /dev/mail without authentication: never in production',
        });
      }
    }
    for (const name of ['API_TOKEN_TTL', 'BOOTSTRAP_TOKEN_TTL'] as const) {
      if (env[name] > env.API_TOKEN_MAX_TTL) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: 'must not be longer than API_TOKEN_MAX_TTL',
        });
      }
    }
    if (env.PAGING_WEBHOOK_URL && ['pagerduty', 'opsgenie'].includes(env.PAGING_FORMAT) && !env.PAGING_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: ['PAGING_KEY'],
        message: `required when PAGING_FORMAT is ${env.PAGING_FORMAT}`,
      });
    }
    if (env.TRANSPARENCY_DB_URL && !env.TRANSPARENCY_DB_TOKEN) {
      ctx.addIssue({
        code: 'custom',
        path: ['TRANSPARENCY_DB_TOKEN'],
        message: 'required when TRANSPARENCY_DB_URL is set',
      });
    }
    for (const name of ['OIDC_AUDIENCE', 'OIDC_JWKS_URL', 'OIDC_ROLE_MAP'] as const) {
      const value = env[name];
      if (env.OIDC_ISSUER && (!value || (typeof value === 'object' && !Object.keys(value).length))) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: 'required when OIDC_ISSUER is set',
        });
      }
    }
    if (env.OIDC_JWKS_URL && !isSafeKeySetUrl(env.OIDC_JWKS_URL, env.NODE_ENV)) {
      // Over plain http anyone on the path could serve their own keys and sign tokens with any role.
      ctx.addIssue({
        code: 'custom',
        path: ['OIDC_JWKS_URL'],
        message:
          env.NODE_ENV === 'production'
            ? 'must be https in production'
            : 'must be https (http only to a loopback address, in development and tests)',
      });
    }
  });

/** https anywhere; http only to this machine (a test or development identity provider), never in production. */
export function isSafeKeySetUrl(url: string, nodeEnv: Env['NODE_ENV']): boolean {
  const { protocol, hostname } = new URL(url);
  if (protocol === 'https:') return true;
  const host = hostname.replace(/^\[(.*)\]$/, '$1');
  const loopback = host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
  return protocol === 'http:' && loopback && nodeEnv !== 'production';
}

export interface FeedbackWebhook {
  /** The source's name, as its notices carry it. */
  source: string;
  url: string;
  secret: string;
}

export type Env = z.infer<typeof envSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Variables whose values are or hold secrets (passwords in URLs, signing keys, webhook secrets): an error names them
 * and says what is wrong, never what they hold, since start-up errors end up in logs and CI output.
 */
const SECRET_VARIABLES = new Set([
  'DATABASE_URL',
  'SMTP_URL',
  'LINK_SIGNING_KEYS',
  'FEEDBACK_WEBHOOKS',
  'PAGING_WEBHOOK_URL',
  'PAGING_KEY',
]);
export const isSecretVariable = (name: string): boolean =>
  SECRET_VARIABLES.has(name) || (/SECRET|PASSWORD|TOKEN|KEY/i.test(name) && !/_TTL$/.test(name));

/**
 * Parses the environment; each problem becomes one line such as `API_PORT: Invalid input: expected number, received
 * NaN (got "eighty")`. The value is shown only for variables that hold no secret.
 */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const blanksRemoved = Object.fromEntries(
    Object.entries(source).filter(([, v]) => v !== undefined && v !== ''),
  );
  const result = envSchema.safeParse(blanksRemoved);
  if (!result.success) {
    const lines = result.error.issues.map((i) => {
      const name = String(i.path[0] ?? '');
      const shown = isSecretVariable(name)
        ? '(value not shown: it holds a secret)'
        : `(got ${JSON.stringify(source[name])})`;
      return `${i.path.join('.')}: ${i.message} ${shown}`;
    });
    throw new ConfigError(`Invalid configuration: ${lines.join('; ')}`);
  }
  return result.data;
}

/** Where requests reach the API from outside; used in links that go out by email. */
export function publicBaseUrl(env: Env): string {
  return (
    env.PUBLIC_BASE_URL ?? `http://${env.API_HOST === '0.0.0.0' ? '127.0.0.1' : env.API_HOST}:${env.API_PORT}`
  ).replace(/\/$/, '');
}

/** Exits with one clear line instead of a stack trace when the configuration is wrong. */
export function loadEnvOrExit(source: NodeJS.ProcessEnv = process.env): Env {
  try {
    return loadEnv(source);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
}
