import type { JWK } from 'jose';
import {
  sha256Hex,
  splitPdfSignature,
  verifySnapshotSignature,
  type SnapshotSignaturePayload,
} from './signing';
import { verifyReport, type SignedTerminationReport } from './termination-report';

export type SnapshotFileCheck =
  | { ok: true; type: 'json' | 'pdf'; kid: string; payload: SnapshotSignaturePayload }
  | { ok: false; type: 'json' | 'pdf' | 'unknown'; problem: string; payload?: SnapshotSignaturePayload };

/**
 * Checks a downloaded snapshot, JSON or PDF, against the public keys, offline: the signature must verify under the
 * key it names, and the file must be what it signs (the JSON's canonical digest, or the PDF's bytes). One byte
 * changed anywhere in either file fails.
 */
export async function verifySnapshotFile(file: Buffer, jwks: { keys: JWK[] }): Promise<SnapshotFileCheck> {
  if (file.subarray(0, 5).toString('latin1') === '%PDF-') {
    const split = splitPdfSignature(file);
    if (!split) return { ok: false, type: 'pdf', problem: 'the PDF carries no Takedown signature' };
    const sig = await verifySnapshotSignature(split.jws, jwks);
    if (!sig.ok) return { ok: false, type: 'pdf', problem: sig.problem };
    if (sha256Hex(split.signed) !== sig.payload.pdfSha256) {
      return {
        ok: false,
        type: 'pdf',
        problem: 'the PDF was changed after it was signed',
        payload: sig.payload,
      };
    }
    return { ok: true, type: 'pdf', kid: sig.kid, payload: sig.payload };
  }
  let parsed: SignedTerminationReport;
  try {
    parsed = JSON.parse(file.toString('utf8')) as SignedTerminationReport;
  } catch {
    return { ok: false, type: 'unknown', problem: 'the file is neither a PDF nor JSON' };
  }
  const digest = verifyReport(parsed);
  if (!digest.ok) return { ok: false, type: 'json', problem: digest.problem };
  if (typeof parsed.signature?.jws !== 'string') {
    return { ok: false, type: 'json', problem: 'the report carries no signature' };
  }
  const sig = await verifySnapshotSignature(parsed.signature.jws, jwks);
  if (!sig.ok) return { ok: false, type: 'json', problem: sig.problem };
  if (parsed.signature.kid !== sig.kid || parsed.signature.alg !== 'EdDSA') {
    return {
      ok: false,
      type: 'json',
      problem: 'the signature’s kid or alg was changed',
      payload: sig.payload,
    };
  }
  if (sig.payload.jsonSha256 !== digest.digest) {
    return { ok: false, type: 'json', problem: 'the signature covers another digest', payload: sig.payload };
  }
  if (sig.payload.snapshotId !== parsed.snapshotId) {
    return { ok: false, type: 'json', problem: 'the signature is another snapshot’s', payload: sig.payload };
  }
  return { ok: true, type: 'json', kid: sig.kid, payload: sig.payload };
}

/** The paths (`case.openedBy`, `notices[3].removedAt`) where two JSON values differ, in document order. */
export function differingFields(a: unknown, b: unknown, at = ''): string[] {
  if (a === b) return [];
  const bothObjects = a !== null && b !== null && typeof a === 'object' && typeof b === 'object';
  if (!bothObjects || Array.isArray(a) !== Array.isArray(b)) return [at || '(the whole document)'];
  if (Array.isArray(a) && Array.isArray(b)) {
    const out: string[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++)
      out.push(...differingFields(a[i], b[i], `${at}[${i}]`));
    return out;
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(ra), ...Object.keys(rb)])];
  return keys.flatMap((k) => differingFields(ra[k], rb[k], at ? `${at}.${k}` : k));
}
