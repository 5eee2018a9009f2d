import { Module } from '@nestjs/common';
import { NoticesModule } from '../notices/notices.module';
import { IntakeController } from './intake.controller';
import { IntakeService } from './intake.service';
import { FeedImportService } from './feed-import';

/**
 * Intake: every way a report arrives (POST /v1/notices as JSON or X-ARF, batches, mail over SMTP or an MTA's pipe),
 * read and checked here and handed to the notices module. Intake depends on notices, never the other way round.
 * The SMTP listener is not here: it runs in the mail-intake process (apps/mail-intake), so that a mail flood
 * cannot take the API down.
 */
@Module({
  imports: [NoticesModule],
  controllers: [IntakeController],
  providers: [IntakeService, FeedImportService],
  exports: [IntakeService, FeedImportService],
})
export class IntakeModule {}
