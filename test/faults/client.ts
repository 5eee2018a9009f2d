export interface ApiResponse {
  status: number;
  body: unknown;
}

/** What the clients saw, for the report. */
export interface ClientStats {
  /** Every answer by status, retried ones included. */
  statuses: Record<string, number>;
  /** Requests that got no answer (connection refused or reset while the API was down). */
  networkErrors: number;
  /** 500s: a bug, never an outage (an outage is a 503). */
  serverErrors: string[];
  retries: number;
}

const RETRY_STATUSES = new Set([502, 503, 504]);

/**
 * A client of the API that behaves as a well-made integration does: while the API does not answer or answers 503,
 * it retries with backoff (0.25 s doubling to 5 s, jittered), sending the same request again (for intake: the same
 * source reference). 500s are recorded as findings and retried too, so that one bug does not stop the run.
 */
export class ApiClient {
  readonly stats: ClientStats = { statuses: {}, networkErrors: 0, serverErrors: [], retries: 0 };

  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  async call(
    method: 'GET' | 'POST',
    path: string,
    opts: { json?: unknown; form?: Record<string, string>; giveUpAfterMs?: number } = {},
  ): Promise<ApiResponse> {
    const until = Date.now() + (opts.giveUpAfterMs ?? 240_000);
    for (let delay = 250; ; delay = Math.min(delay * 2, 5000)) {
      const res = await this.once(method, path, opts);
      if (res) {
        this.stats.statuses[res.status] = (this.stats.statuses[res.status] ?? 0) + 1;
        if (res.status >= 500 && !RETRY_STATUSES.has(res.status)) {
          this.stats.serverErrors.push(
            `${method} ${path.replace(/\/links\/.*/, '/links/…')} → ${res.status}`,
          );
        }
        if (res.status < 500) return res;
      } else {
        this.stats.networkErrors++;
      }
      if (Date.now() > until)
        throw new Error(`${method} ${path}: no answer but 5xx or errors until giving up`);
      this.stats.retries++;
      // Jitter, so that a few hundred clients do not come back in step after an outage.
      await new Promise((r) => setTimeout(r, delay / 2 + Math.random() * delay));
    }
  }

  private async once(
    method: string,
    path: string,
    opts: { json?: unknown; form?: Record<string, string> },
  ): Promise<ApiResponse | null> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    let body: string | undefined;
    if (opts.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.json);
    } else if (opts.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(opts.form).toString();
    }
    try {
      const res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        body,
        signal: AbortSignal.timeout(30_000),
      });
      const text = await res.text();
      let parsed: unknown = text;
      if (res.headers.get('content-type')?.includes('json')) {
        try {
          parsed = JSON.parse(text);
        } catch {
          // keep the text
        }
      }
      return { status: res.status, body: parsed };
    } catch {
      return null;
    }
  }
}
