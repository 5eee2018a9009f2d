import { Module } from '@nestjs/common';
import { InboundSmtpListener } from '../intake/inbound-smtp';
import { IntakeController } from '../intake/intake.controller';
import { IntakeService } from '../intake/intake.service';
import { BulkIntakeService } from './bulk-intake.service';
import { NoticesController } from './notices.controller';
import { NoticesService } from './notices.service';

@Module({
  controllers: [NoticesController, IntakeController],
  providers: [NoticesService, BulkIntakeService, IntakeService, InboundSmtpListener],
  exports: [IntakeService],
})
export class NoticesModule {}
