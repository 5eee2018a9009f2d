import * as fs from 'node:fs';
import { DataSource } from 'typeorm';
import { cliActor } from '@takedown/persistence';
import { loadEnvOrExit } from '@takedown/config';
import { DomainError } from '@takedown/domain';
import {
  createPolicyVersion,
  dataSourceOptions,
  effectiveFromText,
  policyNotFound,
  policyProfiles,
  type PolicyEntity,
  type PolicyProfile,
} from '@takedown/persistence';
import type { Io } from './token';
import { POLICY_USAGE } from '../usage';

/** sysexits.h: 0 done, 64 usage, 65 refused data (an invalid policy, an unknown id), 66 no file, 78 no database. */
const EXIT = { ok: 0, usage: 64, dataError: 65, noInput: 66, config: 78 } as const;

const stdio: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

class UsageError extends Error {}
/** The file to read is not there: exit 66, as the other commands do. */
class NoFileError extends UsageError {}

/**
 * `takedown policy list|show|set`: the timer policies without SQL. `show` prints a version as JSON (the one in force
 * now unless --version says otherwise); `set` reads such a JSON file (its `categories`; or the categories alone)
 * and adds it as the profile's next version through the same checks and audit as `POST /v1/policies`.
 */
export async function policyCommand(
  sub: 'list' | 'show' | 'set',
  args: string[],
  { io = stdio, databaseUrl }: { io?: Io; databaseUrl?: string } = {},
): Promise<number> {
  let run: (db: DataSource) => Promise<number>;
  try {
    run = parse(sub, args, io);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.err(err.message);
    io.err(`usage: takedown ${POLICY_USAGE[sub]}`);
    return err instanceof NoFileError ? EXIT.noInput : EXIT.usage;
  }
  const url = databaseUrl ?? loadEnvOrExit().DATABASE_URL;
  if (!url) {
    io.err('DATABASE_URL must be set (the PostgreSQL that Takedown uses).');
    return EXIT.config;
  }
  const db = await new DataSource(dataSourceOptions(url, { logging: ['error'] })).initialize();
  try {
    return await run(db);
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    if (err.fields) err.fields.forEach((f) => io.err(`${f.field}: ${f.problems.join(', ')}`));
    else io.err(err.message);
    return EXIT.dataError;
  } finally {
    await db.destroy();
  }
}

function parse(sub: 'list' | 'show' | 'set', args: string[], io: Io): (db: DataSource) => Promise<number> {
  if (sub === 'list') {
    const flags = options(args, ['--json'], []);
    return async (db) => {
      const profiles = await policyProfiles(db);
      if (flags.has('--json')) io.out(JSON.stringify(profiles.map(listed), null, 2));
      else if (!profiles.length) io.out('no policies');
      else profiles.flatMap(describe).forEach((line) => io.out(line));
      return EXIT.ok;
    };
  }
  const [id, ...rest] = args;
  if (!id || id.startsWith('--')) throw new UsageError('give the id of the policy (its profile)');
  if (sub === 'show') {
    const version = options(rest, [], ['--version']).get('--version');
    if (version !== undefined && !/^([1-9]\d{0,8}|current)$/.test(version))
      throw new UsageError(`--version "${version}" must be a version number or "current"`);
    return async (db) => {
      const [profile] = await policyProfiles(db, new Date(), id);
      if (!profile) throw policyNotFound(id);
      // By default the version in force now; a profile whose every version is still to come shows its first.
      const chosen =
        version === undefined
          ? (profile.inForce ?? profile.versions[0])
          : version === 'current'
            ? profile.inForce
            : profile.versions.find((v) => v.version === Number(version));
      if (!chosen) throw policyNotFound(id, version === 'current' ? 'current' : Number(version));
      io.out(JSON.stringify(shown(chosen, profile), null, 2));
      return EXIT.ok;
    };
  }
  const flags = options(rest, [], ['--file', '--effective-from']);
  const file = flags.get('--file');
  if (!file) throw new UsageError('--file is required: the policy as JSON (as `policy show` prints it)');
  const at = flags.get('--effective-from');
  const effectiveFrom = at === undefined ? null : new Date(at);
  if (effectiveFrom && (!/^\d{4}-\d\d-\d\dT/.test(at!) || Number.isNaN(effectiveFrom.getTime())))
    throw new UsageError(`--effective-from "${at}" must be an ISO 8601 date and time (2027-01-01T00:00:00Z)`);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new NoFileError(
      `${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
    );
  }
  return async (db) => {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (err) {
      io.err(`${file}: not JSON: ${(err as Error).message}`);
      return EXIT.dataError;
    }
    const categories =
      typeof body === 'object' && body !== null && 'categories' in body
        ? (body as { categories: unknown }).categories
        : body;
    const row = await createPolicyVersion(
      db,
      { id, categories, effectiveFrom },
      { actor: cliActor('policy set') },
    );
    const [profile] = await policyProfiles(db, new Date(), id);
    io.out(
      `policy ${row.id} version ${row.version} stored, in effect from ${effectiveFromText(row)}` +
        (profile.inForce?.version === row.version ? ' (in force now)' : ''),
    );
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

function version(v: PolicyEntity, profile: PolicyProfile) {
  return {
    version: v.version,
    effectiveFrom: effectiveFromText(v),
    createdAt: v.createdAt.toISOString(),
    createdBy: v.createdBy,
    inForce: profile.inForce?.version === v.version,
  };
}

function listed(profile: PolicyProfile) {
  return {
    id: profile.id,
    inForce: profile.inForce?.version ?? null,
    versions: profile.versions.map((v) => version(v, profile)),
  };
}

function shown(v: PolicyEntity, profile: PolicyProfile) {
  return { id: v.id, ...version(v, profile), categories: v.categories };
}

function describe(profile: PolicyProfile): string[] {
  return [
    `${profile.id} (in force: ${profile.inForce ? `version ${profile.inForce.version}` : 'none yet'})`,
    ...profile.versions.map(
      (v) =>
        `  version ${v.version}  from ${effectiveFromText(v) ?? 'the beginning'}  by ${v.createdBy}` +
        `  at ${v.createdAt.toISOString()}${profile.inForce?.version === v.version ? '  in force' : ''}`,
    ),
  ];
}
