import { z } from 'zod';
import { parseMailSources } from '@takedown/intake';

/**
 * Every setting Takedown reads from the environment, validated once at start-up so that a bad value stops the
 * process with one line naming the variable instead of failing later in some request.
 */
const port = z.coerce.number().int().min(0).max(65535);
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

export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: optionalUrl(['postgres:', 'postgresql:']),
  TEMPORAL_ADDRESS: z
    .string()
    .trim()
    .regex(/^[^\s:]+:\d{1,5}$/, 'must be host:port')
    .optional(),
  TEMPORAL_NAMESPACE: z.string().trim().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().trim().min(1).default('takedown-notices'),
  SMTP_URL: optionalUrl(['smtp:', 'smtps:']),
  MAIL_FROM: z.string().trim().email().default('takedown@provider.example'),
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
  /** How long a link in an email stays valid. */
  LINK_TTL: z.string().trim().regex(/^P/, 'must be an ISO 8601 duration such as P7D').default('P7D'),
  MAIL_CAPTURE_DIR: z.string().trim().min(1).optional(),
  API_HOST: z.string().trim().min(1).default('127.0.0.1'),
  API_PORT: port.default(3000),
  PUBLIC_BASE_URL: optionalUrl(['http:', 'https:']),
  WORKER_HOST: z.string().trim().min(1).default('127.0.0.1'),
  WORKER_PORT: port.default(3001),
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
  /** Who may send reports by mail: `kind|name|sender @domain …;…` (see README). */
  INBOUND_MAIL_SOURCES: z
    .string()
    .trim()
    .default('')
    .superRefine((v, ctx) => {
      const parsed = parseMailSources(v);
      if (typeof parsed === 'string') ctx.addIssue({ code: z.ZodIssueCode.custom, message: parsed });
    }),
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
              code: z.ZodIssueCode.custom,
              message: `"${source ?? ''}|…" must be source name|http(s) URL|secret of 32+ characters`,
            });
          }
          return { source, url, secret };
        }),
    ),
});

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

/** Parses the environment; the first problem becomes one line such as `API_PORT: Expected number, received nan`. */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const blanksRemoved = Object.fromEntries(
    Object.entries(source).filter(([, v]) => v !== undefined && v !== ''),
  );
  const result = envSchema.safeParse(blanksRemoved);
  if (!result.success) {
    const lines = result.error.issues.map(
      (i) => `${i.path.join('.')}: ${i.message} (got ${JSON.stringify(source[String(i.path[0])])})`,
    );
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
