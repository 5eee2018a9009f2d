/** A request as pino's standard serializer writes it into the log. */
interface SerializedRequest {
  url?: string;
  params?: Record<string, unknown>;
  query?: Record<string, unknown>;
  headers?: Record<string, unknown>;
  [key: string]: unknown;
}

const REDACTED = '[redacted]';
/** A signed link's path: the token in it is a credential until it is used or expires. */
const LINK_PATH = /^(\/links\/)([^/?#]+)/i;
/**
 * What a path segment, a query key or a query value may look like to be kept: ids, enums, numbers, dates, IP
 * addresses. Anything with `/`, `%`, `?`, `=` or a space (a URL, encoded or not, or free text) is redacted.
 */
const PLAIN = /^[\w.,:@+-]{0,100}$/;
/**
 * Query keys whose value is a credential however plain it looks: the portal's link secret (`/console/portal?link=`),
 * an OpenID Connect callback's code and state (`/console/callback?code=&state=`), tokens.
 */
const CREDENTIAL_KEYS = new Set([
  'link',
  'code',
  'state',
  'token',
  'access_token',
  'id_token',
  'session_state',
]);

/**
 * What the request log may keep of a request. Bodies are never logged (they carry reported URLs); the
 * Authorization header and cookies are removed by pino's `redact`; here the signed-link token goes from the path and
 * from the route parameters, so that the log is no way into a customer's answer, and every part of the path or the
 * query string that is not plainly an id, a number, a date or a word goes too: a reported URL sent as a query
 * parameter (`?source=https://…`) or as a path segment must not reach the log.
 */
export function redactRequestForLog(req: SerializedRequest): SerializedRequest {
  if (typeof req.url !== 'string') return req;
  const token = LINK_PATH.exec(req.url)?.[2];
  // The token also sits in the route parameters (decoded), by name or, for wildcard middleware, as a segment.
  const forms = token ? [...new Set([token, decoded(token)])].filter(Boolean) : [];
  const scrub = (value: unknown): unknown => {
    if (typeof value === 'string')
      return !PLAIN.test(value) || forms.some((f) => value.includes(f)) ? REDACTED : value;
    if (Array.isArray(value)) return value.map(scrub);
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [
          PLAIN.test(k) ? k : REDACTED,
          CREDENTIAL_KEYS.has(k.toLowerCase()) ? REDACTED : scrub(v),
        ]),
      );
    }
    return value;
  };
  const params = req.params ? (scrub(req.params) as Record<string, unknown>) : undefined;
  return {
    ...req,
    url: redactUrl(token ? req.url.replace(LINK_PATH, `$1${REDACTED}`) : req.url),
    ...(params ? { params: token && params.token ? { ...params, token: REDACTED } : params } : {}),
    ...(req.query ? { query: scrub(req.query) as Record<string, unknown> } : {}),
  };
}

/** The request line's path and query, each segment, key and value kept only when it is plain. */
function redactUrl(url: string): string {
  const at = url.indexOf('?');
  const path = at < 0 ? url : url.slice(0, at);
  const query = at < 0 ? undefined : url.slice(at + 1);
  const keep = (part: string) => (part === REDACTED || PLAIN.test(part) ? part : REDACTED);
  const redactedPath = path.split('/').map(keep).join('/');
  if (query === undefined) return redactedPath;
  const redactedQuery = query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return keep(pair);
      const key = pair.slice(0, eq);
      const value = CREDENTIAL_KEYS.has(decoded(key).toLowerCase()) ? REDACTED : keep(pair.slice(eq + 1));
      return `${keep(key)}=${value}`;
    })
    .join('&');
  return `${redactedPath}?${redactedQuery}`;
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
