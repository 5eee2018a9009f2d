import { Module } from '@nestjs/common';
import { CustomersModule } from '../customers/customers.module';
import { CustomerPortalController } from './customer-portal.controller';
import { CustomerPortalService } from './customer-portal.service';
import { CustomerWebhookController, DeskWebhookController } from './customer-webhooks.controller';
import { PortalLinksController } from './portal-links.controller';
import { ResellerModeController } from './reseller-mode.controller';

/** The customer's own API under /v1/customer: its notices, answers, standing, measures, tokens and webhook. */
@Module({
  imports: [CustomersModule],
  controllers: [
    CustomerPortalController,
    CustomerWebhookController,
    DeskWebhookController,
    PortalLinksController,
    ResellerModeController,
  ],
  providers: [CustomerPortalService],
})
export class CustomerPortalModule {}
