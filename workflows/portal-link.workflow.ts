import { proxyActivities } from '@temporalio/workflow';

/** Version 1 of the portal-link workflow's input: one request for a link, by address. */
export interface PortalLinkInput {
  version: 1;
  requestId: string;
  email: string;
}

/** The activity that looks the address up and mails a link per customer it is the abuse contact of. */
export interface PortalLinkActivities {
  sendPortalLinks(input: { requestId: string; email: string }): Promise<void>;
}

const { sendPortalLinks } = proxyActivities<PortalLinkActivities>({
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '2 seconds',
    maximumInterval: '5 minutes',
    backoffCoefficient: 2,
    maximumAttempts: 10,
  },
});

/**
 * Sends a requested portal link off the request's path: the API starts this for every request alike, known address
 * or not, so that its answer and its time tell nothing about the address.
 */
export async function portalLinkWorkflow(input: PortalLinkInput): Promise<void> {
  await sendPortalLinks({ requestId: input.requestId, email: input.email });
}
