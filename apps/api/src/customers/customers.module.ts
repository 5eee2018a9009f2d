import { Module } from '@nestjs/common';
import { CustomersController } from './customers.controller';
import { CustomersService } from './customers.service';
import { MeasuresController } from './measures.controller';
import { MeasuresService } from './measures.service';

@Module({
  controllers: [CustomersController, MeasuresController],
  providers: [CustomersService, MeasuresService],
  exports: [MeasuresService],
})
export class CustomersModule {}
