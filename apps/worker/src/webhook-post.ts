import * as http from 'node:http';
import * as https from 'node:https';
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from 'request-filtering-agent';

/**
 * Where a webhook a customer set may point. A customer types its own URL, so the worker must not become its way into
 * the provider's own network: `refuse` (production's default) refuses every address that is not public (loopback,
 * private, link-local such as cloud metadata, carrier-grade NAT, unique-local, reserved), checked on the address the
 * connection is made to, after DNS, so that a name resolving to one is refused too. `allow` is for development and
 * tests, whose receivers run on loopback.
 */
export type PrivateTargets = 'allow' | 'refuse';

export class WebhookTargetRefused extends Error {}

const filtering = {
  http: new RequestFilteringHttpAgent({ allowPrivateIPAddress: false, allowMetaIPAddress: false }),
  https: new RequestFilteringHttpsAgent({ allowPrivateIPAddress: false, allowMetaIPAddress: false }),
};

/** The agent that enforces `privateTargets` (none where every target is allowed); the removal probe's too. */
export function targetAgent(secure: boolean, privateTargets: PrivateTargets): http.Agent | undefined {
  return privateTargets === 'refuse' ? (secure ? filtering.https : filtering.http) : undefined;
}

/**
 * POSTs `body` and answers the status; redirects are not followed, the answer's body is not read. Throws on a
 * connection failure, a timeout, or a refused target (`WebhookTargetRefused`).
 */
export function postWebhook(
  url: string,
  headers: Record<string, string>,
  body: string,
  opts: { privateTargets: PrivateTargets; timeoutMs: number },
): Promise<number> {
  const target = new URL(url);
  const secure = target.protocol === 'https:';
  if (!secure && target.protocol !== 'http:') {
    return Promise.reject(new WebhookTargetRefused(`a webhook must be http(s), not ${target.protocol}`));
  }
  const agent = targetAgent(secure, opts.privateTargets);
  const failed = (err: Error) =>
    /is not allowed/.test(err.message) ? new WebhookTargetRefused(refusal(err.message)) : err;
  return new Promise((resolve, reject) => {
    // An address literal is refused while the request is made, synchronously; a resolved name later, as an error.
    let req: http.ClientRequest;
    try {
      req = (secure ? https : http).request(
        target,
        {
          method: 'POST',
          agent,
          headers: { ...headers, 'content-length': Buffer.byteLength(body) },
          timeout: opts.timeoutMs,
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
    } catch (err) {
      return reject(failed(err as Error));
    }
    req.on('timeout', () => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)));
    req.on('error', (err) => reject(failed(err)));
    req.end(body);
  });
}

/** The agent's message names the address; the customer's own endpoint stays out of logs either way. */
function refusal(message: string): string {
  return /private|meta/i.test(message)
    ? 'the webhook resolves to an address that is not public (WEBHOOK_PRIVATE_TARGETS=refuse)'
    : 'the webhook target is not allowed';
}
