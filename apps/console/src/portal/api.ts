import createClient from 'openapi-fetch';
import type { components, paths } from '../api/schema';
import { portalSession } from './session';

export type CustomerNotice = components['schemas']['CustomerNoticeView'];
export type CustomerProfile = components['schemas']['CustomerProfileView'];
export type CustomerStanding = components['schemas']['CustomerStandingView'];
export type CustomerMeasure = components['schemas']['CustomerMeasureView'];
export type AnswerResult = components['schemas']['CustomerAnswerResult'];
export type CustomerAppeal = components['schemas']['AppealView'];
export type AnswerKind = CustomerNotice['answers'][number];

/** Raised when the customer token is refused (expired, or its link's session ended): the portal asks to sign in. */
export const PORTAL_UNAUTHORIZED_EVENT = 'takedown:portal-unauthorized';

/** The API client of the portal: the customer's token, never the staff console's. */
export const portalApi = createClient<paths>({ baseUrl: window.location.origin });

portalApi.use({
  onRequest({ request }) {
    const token = portalSession.token();
    if (token) request.headers.set('Authorization', `Bearer ${token}`);
    return request;
  },
  onResponse({ response }) {
    if (response.status === 401 && portalSession.token()) {
      portalSession.signOut('expired');
      window.dispatchEvent(new Event(PORTAL_UNAUTHORIZED_EVENT));
    }
    return response;
  },
});
