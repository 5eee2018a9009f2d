import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditTrail, PgAuditTrail, PgTaskRepository, TaskRepository } from '@takedown/persistence';
import { PeopleModule } from '../people/people.module';
import { TasksController } from './tasks.controller';
import { TasksService } from './tasks.service';

@Module({
  imports: [PeopleModule],
  controllers: [TasksController],
  providers: [
    TasksService,
    {
      provide: TaskRepository,
      useFactory: (db: DataSource) => new PgTaskRepository(db),
      inject: [DataSource],
    },
    { provide: AuditTrail, useFactory: (db: DataSource) => new PgAuditTrail(db), inject: [DataSource] },
  ],
  exports: [TasksService],
})
export class TasksModule {}
