import * as http from 'node:http';
import * as https from 'node:https';
import { isIP } from 'node:net';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { NEVER_PROBED } from '@takedown/domain';
import { NoticeEntity } from '@takedown/persistence';
import type {
  ProbeAnswer,
  ProbeRemoval,
  ProbeResult,
  RemovalProbeActivities,
} from '@takedown/workflows/activities';
import { targetAgent, type PrivateTargets } from './webhook-post';

/**
 * Whether this worker probes (REMOVAL_PROBE): `on` sends HEAD requests through the provider's own egress; `loopback`
 * only to loopback addresses (development and tests, so that nothing leaves the machine; other URLs are answered
 * "not probed"); `off` sends nothing and the desk checks every claim.
 */
export type RemovalProbeMode = 'on' | 'loopback' | 'off';

export class RemovalProbeSettings {
  constructor(
    readonly mode: RemovalProbeMode,
    /** WEBHOOK_PRIVATE_TARGETS: a reported URL is typed by a stranger, as a webhook is by a customer. */
    readonly privateTargets: PrivateTargets,
  ) {}
}

/** The fixed user agent, so that a customer's logs show who asked. */
export const PROBE_USER_AGENT = 'Takedown-removal-check/1 (HEAD only)';

/** A notice lists a handful of URLs; a long list is checked on its first ones, the desk sees the rest. */
const MAX_URLS = 20;

/**
 * Checks a removal claim: one HEAD request per URL of the notice, in parallel, each within `timeoutMs`. No body is
 * read and no redirect is followed (a 3xx concludes nothing: where it leads is not the reported URL). The answer
 * names URLs by their position in the notice, never by their text, so that nothing identifying the material reaches
 * the timeline's readers or a log.
 */
@Injectable()
export class RemovalProbe implements RemovalProbeActivities {
  constructor(
    private readonly db: DataSource,
    private readonly settings: RemovalProbeSettings,
  ) {}

  async probeRemoval(input: ProbeRemoval): Promise<ProbeResult> {
    const notice = await this.db
      .getRepository(NoticeEntity)
      .findOne({ where: { id: input.noticeId }, select: { id: true, category: true, urls: true } });
    // The workflow never asks for these; should a policy or a bug ever do so, nothing is fetched.
    if (!notice || NEVER_PROBED.includes(notice.category)) {
      return { result: 'not_probed', answers: [], reason: 'this category is never probed' };
    }
    if (this.settings.mode === 'off') {
      return {
        result: 'not_probed',
        answers: [],
        reason: 'probing is off on this worker (REMOVAL_PROBE=off)',
      };
    }
    if (!notice.urls.length) return { result: 'not_probed', answers: [], reason: 'the notice has no URL' };
    const urls = notice.urls.slice(0, MAX_URLS);
    if (this.settings.mode === 'loopback' && !urls.some(onLoopback)) {
      return {
        result: 'not_probed',
        answers: [],
        reason: 'only loopback addresses are probed (REMOVAL_PROBE=loopback)',
      };
    }
    const answers = await Promise.all(urls.map((url, i) => this.head(url, i + 1, input.timeoutMs)));
    return { result: conclusion(answers), answers };
  }

  private head(url: string, position: number, timeoutMs: number): Promise<ProbeAnswer> {
    const at = new Date().toISOString();
    const unknown = (error: string): ProbeAnswer => ({ url: position, status: null, at, error });
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return Promise.resolve(unknown('not a URL'));
    }
    const secure = target.protocol === 'https:';
    if (!secure && target.protocol !== 'http:') return Promise.resolve(unknown('not http(s)'));
    if (this.settings.mode === 'loopback' && !onLoopback(url)) {
      return Promise.resolve(unknown('not probed: only loopback addresses (REMOVAL_PROBE=loopback)'));
    }
    return new Promise((resolve) => {
      let req: http.ClientRequest;
      try {
        req = (secure ? https : http).request(
          target,
          {
            method: 'HEAD',
            agent: targetAgent(secure, this.settings.privateTargets),
            headers: { 'user-agent': PROBE_USER_AGENT, accept: '*/*' },
            // Covers the lookup, the connection and the answer's head, not only an idle socket.
            signal: AbortSignal.timeout(timeoutMs),
          },
          (res) => {
            const length = Number(res.headers['content-length']);
            const etag = res.headers.etag;
            // A HEAD answer has no body; dropping the connection makes sure none is read.
            res.destroy();
            resolve({
              url: position,
              status: res.statusCode ?? null,
              at,
              ...(Number.isFinite(length) ? { length } : {}),
              ...(etag ? { etag } : {}),
            });
          },
        );
      } catch (err) {
        // An address literal the agent refuses throws here, synchronously.
        return resolve(unknown(reason(err as Error)));
      }
      req.on('error', (err) => resolve(unknown(reason(err))));
      req.end();
    });
  }
}

/** 404/410 everywhere: gone; any 2xx: still there; anything else (errors, 3xx, 5xx, …): no conclusion. */
export function conclusion(answers: ProbeAnswer[]): ProbeResult['result'] {
  if (answers.some((a) => a.status !== null && a.status >= 200 && a.status < 300)) return 'present';
  if (answers.length && answers.every((a) => a.status === 404 || a.status === 410)) return 'gone';
  return 'unknown';
}

function onLoopback(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return false;
  }
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

/** A short reason without the host or the URL (Node's messages name them). */
function reason(err: Error): string {
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return 'timeout';
  if (/is not allowed/.test(err.message)) return 'refused: not a public address';
  return (err as NodeJS.ErrnoException).code ?? 'request failed';
}
