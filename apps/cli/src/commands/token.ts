import { DataSource } from 'typeorm';
import {
  cliActor,
  appendAudit,
  createApiToken,
  dataSourceOptions,
  listApiTokens,
  revokeApiToken,
  type ApiTokenEntity,
} from '@takedown/persistence';
import { loadEnvOrExit, type Env } from '@takedown/config';
import { DomainError, durationToMs, isRole, ROLES, SOURCE_KINDS } from '@takedown/domain';
import { TOKEN_USAGE } from '../usage';

/** sysexits.h: 0 done, 64 usage, 65 refused data (an unknown id), 78 configuration missing. */
const EXIT = { ok: 0, usage: 64, dataError: 65, config: 78 } as const;

export interface Io {
  out(line: string): void;
  err(line: string): void;
}

const stdio: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

class UsageError extends Error {}

/**
 * `takedown token create|list|revoke`: API tokens for people and integrations. `create` prints the token on
 * standard output, once (only its hash is stored), and what it is on standard error, so that
 * `TOKEN=$(npm run -s takedown -- token create …)` captures the token alone.
 */
export async function tokenCommand(
  sub: 'create' | 'list' | 'revoke',
  args: string[],
  { io = stdio, databaseUrl, env = loadEnvOrExit() }: { io?: Io; databaseUrl?: string; env?: Env } = {},
): Promise<number> {
  let run: (db: DataSource) => Promise<number>;
  try {
    run = parse(sub, args, io, env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.err(err.message);
    io.err(`usage: takedown ${TOKEN_USAGE[sub]}`);
    return EXIT.usage;
  }
  const url = databaseUrl ?? env.DATABASE_URL;
  if (!url) {
    io.err(
      'DATABASE_URL must be set (the PostgreSQL that Takedown uses), or the local stack running (npm start).',
    );
    return EXIT.config;
  }
  const db = await new DataSource(dataSourceOptions(url, { logging: ['error'] })).initialize();
  try {
    return await run(db);
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    io.err(err.message);
    return err.code.endsWith('.NOT_FOUND') ? EXIT.dataError : EXIT.usage;
  } finally {
    await db.destroy();
  }
}

function parse(
  sub: 'create' | 'list' | 'revoke',
  args: string[],
  io: Io,
  env: Pick<Env, 'API_TOKEN_TTL' | 'API_TOKEN_MAX_TTL'>,
): (db: DataSource) => Promise<number> {
  if (sub === 'revoke') {
    if (args.length !== 1 || args[0].startsWith('--'))
      throw new UsageError('give the id of the token to revoke');
    const id = args[0];
    return async (db) => {
      const actor = cliActor('token revoke');
      const revoked = await db.transaction(async (tx) => {
        const t = await revokeApiToken(tx, id);
        await appendAudit(tx, { actor, action: 'token.revoke', target: { type: 'api_token', id: t.id } });
        return t;
      });
      io.out(
        `revoked ${revoked.id} (${revoked.name}, ${revoked.role}) at ${revoked.revokedAt?.toISOString()}`,
      );
      return EXIT.ok;
    };
  }
  const flags =
    sub === 'list'
      ? options(args, ['--json'], [])
      : options(
          args,
          ['--customer-admin'],
          [
            '--role',
            '--name',
            '--expires-in',
            '--account-manager',
            '--source-kind',
            '--source-name',
            '--designation-reference',
            '--designating-authority',
            '--customer',
          ],
        );
  if (sub === 'list') {
    return async (db) => {
      const tokens = await listApiTokens(db);
      if (flags.has('--json')) io.out(JSON.stringify(tokens.map(summary), null, 2));
      else describe(tokens).forEach((line) => io.out(line));
      return EXIT.ok;
    };
  }
  const role = flags.get('--role');
  const name = flags.get('--name');
  if (!role || !name) throw new UsageError('--role and --name are required');
  if (!isRole(role)) throw new UsageError(`unknown role "${role}"; one of ${ROLES.join(', ')}`);
  const email = flags.get('--account-manager');
  const sourceKind = flags.get('--source-kind');
  const sourceName = flags.get('--source-name');
  if ((role === 'account_manager') !== !!email) {
    throw new UsageError(
      role === 'account_manager'
        ? 'an account_manager token needs --account-manager EMAIL (it sees that manager’s customers only)'
        : '--account-manager is for --role account_manager only',
    );
  }
  if ((role === 'source') !== !!(sourceKind || sourceName)) {
    throw new UsageError(
      role === 'source'
        ? `a source token needs --source-kind (${SOURCE_KINDS.join(', ')}) and --source-name`
        : '--source-kind and --source-name are for --role source only',
    );
  }
  if (role === 'source' && !(sourceKind && sourceName)) {
    throw new UsageError('a source token needs both --source-kind and --source-name');
  }
  const customerId = flags.get('--customer');
  const customerAdmin = flags.has('--customer-admin');
  if ((role === 'customer') !== !!customerId) {
    throw new UsageError(
      role === 'customer'
        ? 'a customer token needs --customer CUSTOMER_ID (it sees that customer’s notices only)'
        : '--customer is for --role customer only',
    );
  }
  if (customerAdmin && role !== 'customer')
    throw new UsageError('--customer-admin is for --role customer only');
  const expiresIn = flags.get('--expires-in');
  // Every token expires: a forgotten one stops working on its own.
  const ttl = expiresIn ? parseExpiry(expiresIn) : env.API_TOKEN_TTL;
  if (ttl > env.API_TOKEN_MAX_TTL) {
    throw new UsageError(
      `--expires-in "${expiresIn}" is longer than the longest lifetime, ${days(env.API_TOKEN_MAX_TTL)} (API_TOKEN_MAX_TTL)`,
    );
  }
  return async (db) => {
    const actor = cliActor('token create');
    const { token, record } = await db.transaction(async (tx) => {
      const issued = await createApiToken(tx, {
        name,
        role,
        accountManagerEmail: email,
        // A trusted flagger's designation (DSA Art. 22): checked, both parts required, by createApiToken.
        source:
          sourceKind && sourceName
            ? {
                kind: sourceKind,
                name: sourceName,
                designationReference: flags.get('--designation-reference'),
                designatingAuthority: flags.get('--designating-authority'),
              }
            : null,
        customerId,
        customerAdmin,
        expiresAt: new Date(Date.now() + ttl),
        createdBy: `cli:${actor.id}`,
      });
      await appendAudit(tx, {
        actor,
        action: 'token.create',
        target: { type: 'api_token', id: issued.record.id },
        summary: summary(issued.record),
      });
      return issued;
    });
    io.err(
      `Created token ${record.id} "${record.name}" (${record.role}${scopeOf(record)}), ` +
        `${expiry(record)}. ` +
        'It is shown only this once: use it as "Authorization: Bearer <token>" (or in Swagger UI, Authorize).',
    );
    io.out(token);
    return EXIT.ok;
  };
}

/** Bare switches and `--flag value` pairs; anything else is a usage error. */
function options(args: string[], switches: string[], valued: string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (switches.includes(arg)) flags.set(arg, 'true');
    else if (!valued.includes(arg)) throw new UsageError(`unexpected "${arg}"`);
    else if (args[i + 1] === undefined || args[i + 1].startsWith('--'))
      throw new UsageError(`${arg} needs a value`);
    else flags.set(arg, args[++i]);
  }
  return flags;
}

/** `90d`, `12h`, `30m`, `2w`, or an ISO 8601 duration (`P90D`). */
export function parseExpiry(text: string): number {
  const short = /^(\d+)([mhdw])$/.exec(text);
  if (short) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 }[
      short[2] as 'm' | 'h' | 'd' | 'w'
    ];
    const ms = Number(short[1]) * unit;
    if (ms > 0) return ms;
  } else if (/^P/.test(text)) {
    try {
      const ms = durationToMs(text);
      if (ms > 0) return ms;
    } catch {
      // reported below
    }
  }
  throw new UsageError(`--expires-in "${text}" must be a positive duration such as 90d, 12h, 30m or P90D`);
}

/** `expires 2026-03-01T10:00:00.000Z (in 90 d)`, `expired 2026-…`, or `no expiry` for a token made before they had one. */
function expiry(t: ApiTokenEntity, now = Date.now()): string {
  if (!t.expiresAt) return 'no expiry';
  const left = t.expiresAt.getTime() - now;
  if (left <= 0) return `expired ${t.expiresAt.toISOString()}`;
  const inWords = left >= 86_400_000 ? days(left) : `${Math.ceil(left / 3_600_000)} h`;
  return `expires ${t.expiresAt.toISOString()} (in ${inWords})`;
}

const days = (ms: number) => `${Math.round(ms / 86_400_000)} d`;

function scopeOf(t: ApiTokenEntity): string {
  if (t.accountManagerEmail) return ` for ${t.accountManagerEmail}`;
  if (t.sourceDesignationReference)
    return ` for ${t.sourceKind} "${t.sourceName}" (${t.sourceDesignationReference}, ${t.sourceDesignatingAuthority})`;
  if (t.sourceKind) return ` for ${t.sourceKind} "${t.sourceName}"`;
  if (t.customerId) return ` for customer ${t.customerId}${t.customerAdmin ? ' (admin contact)' : ''}`;
  return '';
}

function status(t: ApiTokenEntity, now = new Date()): 'active' | 'expired' | 'revoked' {
  if (t.revokedAt) return 'revoked';
  return t.expiresAt && t.expiresAt <= now ? 'expired' : 'active';
}

function summary(t: ApiTokenEntity) {
  return {
    id: t.id,
    name: t.name,
    role: t.role,
    accountManagerEmail: t.accountManagerEmail,
    source: t.sourceKind
      ? {
          kind: t.sourceKind,
          name: t.sourceName,
          ...(t.sourceDesignationReference
            ? {
                designationReference: t.sourceDesignationReference,
                designatingAuthority: t.sourceDesignatingAuthority,
              }
            : {}),
        }
      : null,
    customerId: t.customerId,
    customerAdmin: t.customerAdmin,
    status: status(t),
    createdAt: t.createdAt.toISOString(),
    createdBy: t.createdBy,
    expiresAt: t.expiresAt?.toISOString() ?? null,
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
    revokedAt: t.revokedAt?.toISOString() ?? null,
  };
}

function describe(tokens: ApiTokenEntity[]): string[] {
  if (!tokens.length) return ['no tokens'];
  const rows = tokens.map((t) => [
    t.id,
    status(t),
    `${t.role}${scopeOf(t)}`,
    t.name,
    expiry(t),
    t.lastUsedAt ? `last used ${t.lastUsedAt.toISOString()}` : 'never used',
  ]);
  return rows.map((r) => r.join('  '));
}
