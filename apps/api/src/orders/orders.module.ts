import { Module } from '@nestjs/common';
import { NoticesModule } from '../notices/notices.module';
import { WellKnownModule } from '../well-known/well-known.module';
import { OrdersController } from './orders.controller';
import { OrdersService } from './orders.service';

/** Removal orders (TCO Regulation): their intake, each with its notice, the paging of the on-call person. */
@Module({
  imports: [NoticesModule, WellKnownModule],
  controllers: [OrdersController],
  providers: [OrdersService],
})
export class OrdersModule {}
