import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { normaliseEmail } from '@takedown/domain';
import { portalLinkEmail } from '@takedown/mail';
import {
  createPortalLink,
  customersOfAbuseContact,
  CustomerEntity,
  PORTAL_LINK_TTL_MS,
} from '@takedown/persistence';
import type { PortalLinkActivities } from '@takedown/workflows/portal-link.workflow';
import { NotificationActivitiesService } from './notification-activities.service';
import { WorkerSettings } from './worker-settings';

/**
 * Mails a fresh portal link to an address that asked for one, once per customer whose registered abuse contact it
 * is; an unknown address gets nothing. The link leads to the console's portal page, which exchanges it (POST) for a
 * customer session: opening it changes nothing, so a mail scanner's prefetch cannot use it up.
 */
@Injectable()
export class PortalLinks implements PortalLinkActivities {
  private readonly logger = new Logger(PortalLinks.name);

  constructor(
    private readonly db: DataSource,
    private readonly notifications: NotificationActivitiesService,
    private readonly settings: WorkerSettings,
  ) {}

  async sendPortalLinks({ requestId, email }: { requestId: string; email: string }): Promise<void> {
    // To the address as registered, whatever case it was typed in.
    const address = normaliseEmail(email);
    const customers = await customersOfAbuseContact(this.db, address);
    for (const c of customers) {
      const customer = await this.db.getRepository(CustomerEntity).findOneByOrFail({ id: c.id });
      // The link is made only when the email is rendered, so that a retry after delivery makes none.
      await this.notifications.sendOnce(`portal-link:${requestId}:${c.id}`, [address], async () => {
        const { link, expiresAt } = await createPortalLink(this.db, {
          customerId: c.id,
          email: address,
          ttlMs: PORTAL_LINK_TTL_MS,
        });
        return portalLinkEmail({
          language: customer.language,
          customer: { name: customer.name, reference: customer.reference, timeZone: customer.timeZone },
          url: `${this.settings.publicBaseUrl}/console/portal?link=${link}`,
          expiresAt,
        });
      });
    }
    // Neither the address nor the link: a request, and how many customers it reached.
    this.logger.log({ requestId, customers: customers.length }, 'portal link request handled');
  }
}
