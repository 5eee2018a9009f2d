import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import type { JWK } from 'jose';
import {
  differingFields,
  splitPdfSignature,
  verifyReport,
  verifySnapshotFile,
  type SnapshotSignaturePayload,
} from '@takedown/reports';
import { VERIFY_REPORT_USAGE } from '../usage';

/** sysexits.h: 0 verified, 64 usage, 65 the file does not hold up, 66 no such file, 69 keys or API unreachable. */
const EXIT = { ok: 0, usage: 64, dataError: 65, noInput: 66, unavailable: 69 } as const;

/**
 * `takedown verify-report FILE`: a report snapshot's JSON or PDF, checked offline against the public keys (`--keys`:
 * a JWKS file, or the URL of /.well-known/takedown-keys), and with `--api` compared with the snapshot the API stores
 * (the token from --token or TAKEDOWN_API_TOKEN), naming the fields that differ. Without keys only the JSON's digest
 * can be checked, and the command says the signature was not.
 */
export async function verifyReportCommand(
  args: string[],
  say = (line: string) => process.stdout.write(`${line}\n`),
  complain = (line: string) => process.stderr.write(`${line}\n`),
): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (err) {
    complain(`${(err as Error).message}\nusage: takedown ${VERIFY_REPORT_USAGE}`);
    return EXIT.usage;
  }
  const { file, keys, api } = parsed;
  const token = parsed.token ?? process.env.TAKEDOWN_API_TOKEN;
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    complain(`${file}: ${missing ? 'no such file' : (err as Error).message}`);
    return missing ? EXIT.noInput : EXIT.dataError;
  }

  const keySource = keys ?? (api ? `${api.replace(/\/$/, '')}/.well-known/takedown-keys` : undefined);
  let ok = true;
  let ids: SnapshotIds | null = null;
  if (keySource) {
    let jwks: { keys: JWK[] };
    try {
      jwks = await readJwks(keySource);
    } catch (err) {
      complain(`the keys at ${keySource} could not be read: ${(err as Error).message}`);
      return EXIT.unavailable;
    }
    const check = await verifySnapshotFile(bytes, jwks);
    if (check.ok) {
      say(
        `verified: the ${check.type.toUpperCase()} of ${check.payload.kind.replace(/_/g, ' ')} ${check.payload.snapshotId} (termination case ` +
          `${check.payload.subjectId}), signed by key ${check.kid}; report digest sha256 ${check.payload.jsonSha256}`,
      );
      ids = {
        caseId: check.payload.subjectId,
        snapshotId: check.payload.snapshotId,
        kind: check.payload.kind,
      };
    } else {
      complain(`NOT verified: ${check.problem}`);
      ok = false;
    }
  } else {
    if (isPdf(bytes)) {
      complain('a PDF is checked by its signature: give --keys (or --api)');
      return EXIT.usage;
    }
    let report: unknown;
    try {
      report = JSON.parse(bytes.toString('utf8'));
    } catch (err) {
      complain(`${file}: ${(err as Error).message}`);
      return EXIT.dataError;
    }
    const result = verifyReport(report);
    if (!result.ok) {
      complain(
        `NOT verified: ${result.problem}${result.expected ? ` (stated ${result.expected}, computed ${result.actual})` : ''}`,
      );
      return EXIT.dataError;
    }
    say(`verified: sha256 ${result.digest} (the signature was not checked: give --keys to check it)`);
  }

  if (!api) return ok ? EXIT.ok : EXIT.dataError;
  ids ??= claimedIds(bytes);
  if (!ids) {
    complain('the file names no snapshot to compare with');
    return EXIT.dataError;
  }
  const [folder, name] =
    ids.kind === 'statement_of_reasons' ? ['statements', 'statement'] : ['reports', 'report'];
  const base = `${api.replace(/\/$/, '')}/v1/terminations/${ids.caseId}/${folder}/${ids.snapshotId}`;
  const pdf = isPdf(bytes);
  let stored: Buffer;
  try {
    const res = await fetch(`${base}/${name}.${pdf ? 'pdf' : 'json'}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    if (res.status === 404) {
      complain(`the API stores no snapshot ${ids.snapshotId} of termination case ${ids.caseId}`);
      return EXIT.dataError;
    }
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    stored = Buffer.from(await res.arrayBuffer());
  } catch (err) {
    complain(`the stored snapshot could not be fetched: ${(err as Error).message}`);
    return EXIT.unavailable;
  }
  if (stored.equals(bytes)) {
    say(`matches the stored snapshot ${ids.snapshotId} byte for byte`);
    return ok ? EXIT.ok : EXIT.dataError;
  }
  if (pdf) {
    complain(`differs from the stored snapshot ${ids.snapshotId}'s PDF`);
    return EXIT.dataError;
  }
  let fields: string[];
  try {
    fields = differingFields(JSON.parse(bytes.toString('utf8')), JSON.parse(stored.toString('utf8')));
  } catch {
    fields = ['(the whole document)'];
  }
  if (!fields.length) {
    say(`the same content as the stored snapshot ${ids.snapshotId} (formatted differently)`);
    return ok ? EXIT.ok : EXIT.dataError;
  }
  complain(`differs from the stored snapshot ${ids.snapshotId} in: ${fields.join(', ')}`);
  return EXIT.dataError;
}

function parse(args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { keys: { type: 'string' }, api: { type: 'string' }, token: { type: 'string' } },
  });
  if (positionals.length !== 1) throw new Error('one FILE, please');
  if (values.token && !values.api) throw new Error('--token goes with --api');
  return { file: positionals[0], keys: values.keys, api: values.api, token: values.token };
}

const isPdf = (bytes: Buffer) => bytes.subarray(0, 5).toString('latin1') === '%PDF-';

async function readJwks(source: string): Promise<{ keys: JWK[] }> {
  const text = /^https?:\/\//.test(source)
    ? await fetch(source).then((r) => {
        if (!r.ok) throw new Error(`HTTP ${r.status}`);
        return r.text();
      })
    : fs.readFileSync(source, 'utf8');
  const jwks = JSON.parse(text) as { keys?: unknown };
  if (!Array.isArray(jwks.keys)) throw new Error('not a JWK Set (no "keys" array)');
  return jwks as { keys: JWK[] };
}

interface SnapshotIds {
  caseId: string;
  snapshotId: string;
  kind: string;
}

/** The snapshot a file says it is, unverified: enough to fetch the stored one and name what differs. */
function claimedIds(bytes: Buffer): SnapshotIds | null {
  try {
    if (isPdf(bytes)) {
      const split = splitPdfSignature(bytes);
      if (!split) return null;
      const payload = JSON.parse(
        Buffer.from(split.jws.split('.')[1], 'base64url').toString('utf8'),
      ) as SnapshotSignaturePayload;
      return { caseId: payload.subjectId, snapshotId: payload.snapshotId, kind: payload.kind };
    }
    const report = JSON.parse(bytes.toString('utf8')) as {
      format?: unknown;
      snapshotId?: unknown;
      case?: { id?: unknown };
    };
    const uuid = /^[0-9a-f-]{36}$/i;
    return typeof report.snapshotId === 'string' &&
      uuid.test(report.snapshotId) &&
      typeof report.case?.id === 'string' &&
      uuid.test(report.case.id)
      ? {
          caseId: report.case.id,
          snapshotId: report.snapshotId,
          kind:
            report.format === 'takedown.statement-of-reasons' ? 'statement_of_reasons' : 'termination_report',
        }
      : null;
  } catch {
    return null;
  }
}
