import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { PeopleController } from './people.controller';
import { PeopleService } from './people.service';
import { SeenPeopleInterceptor } from './seen-people.interceptor';

/** People: who work can be assigned to (the picker's list), and remembering the OIDC subjects that come by. */
@Module({
  controllers: [PeopleController],
  providers: [PeopleService, { provide: APP_INTERCEPTOR, useClass: SeenPeopleInterceptor }],
  exports: [PeopleService],
})
export class PeopleModule {}
