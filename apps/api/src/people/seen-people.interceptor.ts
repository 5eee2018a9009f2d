import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { from, switchMap, type Observable } from 'rxjs';
import { PeopleService } from './people.service';

/** Every authenticated request makes its OIDC subject a person work can be assigned to. */
@Injectable()
export class SeenPeopleInterceptor implements NestInterceptor {
  constructor(private readonly people: PeopleService) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const principal = context.switchToHttp().getRequest<FastifyRequest>().principal;
    if (context.getType() !== 'http' || !principal || principal.actor.kind !== 'oidc') return next.handle();
    return from(this.people.seen(principal)).pipe(switchMap(() => next.handle()));
  }
}
