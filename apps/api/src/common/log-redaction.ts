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
 * What the request log may keep of a request. Bodies are never logged (they carry reported URLs); the
 * Authorization header and cookies are removed by pino's `redact`; here the signed-link token goes from the path and
 * from the route parameters, so that the log is no way into a customer's answer.
 */
export function redactRequestForLog(req: SerializedRequest): SerializedRequest {
  const token = typeof req.url === 'string' ? LINK_PATH.exec(req.url)?.[2] : undefined;
  if (!token) return req;
  // The token also sits in the route parameters (decoded), by name or, for wildcard middleware, as a segment.
  const forms = [...new Set([token, decoded(token)])].filter(Boolean);
  const scrub = (value: unknown): unknown => {
    if (typeof value === 'string') return forms.some((f) => value.includes(f)) ? REDACTED : value;
    if (Array.isArray(value)) return value.map(scrub);
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrub(v)]));
    }
    return value;
  };
  return {
    ...req,
    url: (req.url as string).replace(LINK_PATH, `$1${REDACTED}`),
    params: {
      ...(scrub(req.params ?? {}) as Record<string, unknown>),
      ...(req.params?.token ? { token: REDACTED } : {}),
    },
  };
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
