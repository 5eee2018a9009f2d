import createClient from 'openapi-fetch';
import { session } from '../session';
import { ApiError } from './errors';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];
export type Me = Schemas['MeView'];
export type NoticeSummary = Schemas['NoticeSummaryView'];
export type Notice = Schemas['NoticeView'];
export type Task = Schemas['TaskView'];
export type NoticeState = NoticeSummary['state'];
export type Category = NoticeSummary['category'];

export { ApiError };

/** Raised on a 401: the token is gone, expired or revoked. The app sends the person back to sign-in. */
export const UNAUTHORIZED_EVENT = 'takedown:unauthorized';

/** The typed client of the API, generated from its OpenAPI document (npm run openapi). Same origin as the console. */
export const api = createClient<paths>({ baseUrl: window.location.origin });

api.use({
  onRequest({ request }) {
    const token = session.token();
    if (token) request.headers.set('Authorization', `Bearer ${token}`);
    return request;
  },
  onResponse({ response }) {
    // Only a stored token can have expired; a token tried on the sign-in page is not stored yet.
    if (response.status === 401 && session.token()) {
      session.signOut('expired');
      window.dispatchEvent(new Event(UNAUTHORIZED_EVENT));
    }
    return response;
  },
});

/** The data of an openapi-fetch answer, or its error as an ApiError. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || result.data === undefined) {
    const body = (result.error ?? {}) as {
      code?: unknown;
      message?: unknown;
      field?: unknown;
      state?: unknown;
      fields?: unknown;
    };
    throw new ApiError(
      result.response.status,
      typeof body.code === 'string' ? body.code : `HTTP.${result.response.status}`,
      typeof body.message === 'string' ? body.message : result.response.statusText,
      typeof body.field === 'string' ? body.field : undefined,
      typeof body.state === 'string' ? body.state : undefined,
      Array.isArray(body.fields) ? (body.fields as { field: string; problems: string[] }[]) : [],
    );
  }
  return result.data;
}
