import { Module } from '@nestjs/common';
import { CustomerPortalController } from './customer-portal.controller';
import { CustomerPortalService } from './customer-portal.service';

/** The customer's own API under /v1/customer: its notices, answers, standing, measures and tokens. */
@Module({ controllers: [CustomerPortalController], providers: [CustomerPortalService] })
export class CustomerPortalModule {}
