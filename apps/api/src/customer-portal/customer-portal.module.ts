import { Module } from '@nestjs/common';
import { CustomersModule } from '../customers/customers.module';
import { CustomerPortalController } from './customer-portal.controller';
import { CustomerPortalService } from './customer-portal.service';
import { CustomerStatementsController } from './customer-statements.controller';
import { CustomerStatementsService } from './customer-statements.service';
import { CustomerWebhookController, DeskWebhookController } from './customer-webhooks.controller';
import { PortalLinksController } from './portal-links.controller';
import { ResellerModeController } from './reseller-mode.controller';

/**
 * The customer's own API under /v1/customer: its notices, answers, standing, measures, statements of reasons, tokens
 * and webhook.
 */
@Module({
  imports: [CustomersModule],
  controllers: [
    CustomerPortalController,
    CustomerStatementsController,
    CustomerWebhookController,
    DeskWebhookController,
    PortalLinksController,
    ResellerModeController,
  ],
  providers: [CustomerPortalService, CustomerStatementsService],
})
export class CustomerPortalModule {}
