import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditTrail, NoticeRepository, PgAuditTrail, PgNoticeRepository } from '@takedown/persistence';
import { BreachForecasts } from './breach-forecasts';
import { BulkIntakeService } from './bulk-intake.service';
import { NoticesController } from './notices.controller';
import { NoticesService } from './notices.service';
import { PeopleModule } from '../people/people.module';

/** Notices: reading them, acting on them, and storing what intake hands over (one at a time or in bulk). */
@Module({
  imports: [PeopleModule],
  controllers: [NoticesController],
  providers: [
    NoticesService,
    BulkIntakeService,
    BreachForecasts,
    {
      provide: NoticeRepository,
      useFactory: (db: DataSource) => new PgNoticeRepository(db),
      inject: [DataSource],
    },
    { provide: AuditTrail, useFactory: (db: DataSource) => new PgAuditTrail(db), inject: [DataSource] },
  ],
  exports: [NoticesService, BulkIntakeService],
})
export class NoticesModule {}
