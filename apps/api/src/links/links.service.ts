import { Inject, Injectable, Logger } from '@nestjs/common';
import { Client } from '@temporalio/client';
import { DataSource, type EntityManager } from 'typeorm';
import { DomainError, isTaskOutcome, type TaskKind } from '@takedown/domain';
import {
  ExpiredLinkError,
  LinkError,
  resolveLinkKeys,
  verifyLink,
  type LinkClaims,
  type LinkKey,
} from '@takedown/links';
import type { MailLanguage } from '@takedown/mail';
import { AppConfig } from '../app-config';
import {
  actAs,
  claimLinkUse,
  findNoticeLinkTarget,
  findTaskLinkTarget,
  linkUsedAt,
  recordAudit,
  type NoticeLinkTarget,
  type TaskLinkTarget,
} from '@takedown/persistence';
import { startNoticeAction } from '../temporal/notice-signal';
import { TasksService } from '../tasks/tasks.service';
import type { LinkPage } from './link-pages';
import {
  MISSING_CUSTOMER_ID,
  NOTICE_WORDS,
  alreadyUsedPage,
  expiredLinkPage,
  invalidLinkPage,
  noticeAnsweredPage,
  noticeClosedPage,
  noticeFormPage,
  notFoundPage,
  nothingToDoPage,
  taskAlreadyCompletedPage,
  taskCancelledPage,
  taskCompletedPage,
  taskFormPage,
  unavailablePage,
  type FormProblem,
  type NoticeLinkAction,
} from './link-texts';

/** The form a link page posts; every field is optional text until the action says otherwise. */
export type LinkForm = Record<string, unknown>;

interface NoticeTarget {
  kind: 'notice';
  claims: LinkClaims;
  action: NoticeLinkAction;
  notice: NoticeLinkTarget;
  customer: { reference: string; language: MailLanguage; timeZone: string } | null;
}

interface TaskTarget {
  kind: 'task';
  claims: LinkClaims;
  task: TaskLinkTarget;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Signed links from emails. Showing one changes nothing; posting its form verifies it again, records its use (its
 * `jti` is the primary key of `link_uses`, so a second use finds it) and acts, all in one transaction: if Temporal
 * cannot be told, nothing is recorded and the link still works. The SQL is in @takedown/persistence (links.ts),
 * the pages' words in link-texts.ts.
 */
@Injectable()
export class LinksService {
  private readonly logger = new Logger(LinksService.name);
  private readonly keys: LinkKey[];

  constructor(
    private readonly db: DataSource,
    @Inject(Client) private readonly temporal: Client,
    private readonly tasks: TasksService,
    config: AppConfig,
  ) {
    this.keys = resolveLinkKeys(config.env);
  }

  async show(token: string): Promise<LinkPage> {
    const target = await this.resolve(token);
    if ('html' in target) return target;
    return target.kind === 'notice' ? noticeForm(target) : taskForm(target);
  }

  async use(token: string, form: LinkForm, remoteAddr: string | undefined): Promise<LinkPage> {
    const target = await this.resolve(token);
    if ('html' in target) return target;
    const text = (name: string) => (typeof form[name] === 'string' ? (form[name] as string).trim() : '');
    try {
      if (target.kind === 'notice') {
        const reason = text('reason');
        const language = target.customer?.language ?? 'en';
        if (target.action === 'dispute' && !reason) {
          return noticeForm(target, { error: NOTICE_WORDS[language].reasonMissing, status: 400 });
        }
        const customer = target.customer?.reference ?? 'unattributed';
        actAs({ kind: 'link', id: `customer:${customer}`, name: `abuse contact of ${customer}` });
        await this.db.transaction(async (tx) => {
          await recordUse(tx, target.claims, remoteAddr);
          await startNoticeAction(this.temporal, target.notice.id, {
            type: 'customer',
            kind: target.action,
            reason: target.action === 'dispute' ? reason.slice(0, 5000) : undefined,
            by: `customer:${customer}`,
          });
          await auditLinkUse(tx, target.claims, {
            before: { state: target.notice.state },
            answer: target.action,
            reason: target.action === 'dispute' ? reason : undefined,
          });
        });
        this.logger.log(
          { noticeId: target.notice.id, action: target.action },
          'customer answered through a link',
        );
        return noticeAnsweredPage(target.action, language);
      }
      const note = text('note').slice(0, 5000);
      const customerId = text('customerId');
      if (needsCustomer(target.task.kind, target.claims.action) && !UUID.test(customerId)) {
        return taskForm(target, { error: MISSING_CUSTOMER_ID, status: 400 });
      }
      actAs({ kind: 'link', id: target.task.assigneeEmail, name: target.task.assigneeEmail });
      const done = await this.db.transaction(async (tx) => {
        await recordUse(tx, target.claims, remoteAddr);
        const completed = await this.tasks.complete(
          target.task.id,
          {
            outcome: target.claims.action,
            linkRecipient: target.task.assigneeEmail,
            note: note || undefined,
            customerId: customerId || undefined,
          },
          tx,
        );
        await auditLinkUse(tx, target.claims, {
          before: { status: target.task.status },
          answer: completed.outcome,
        });
        return completed;
      });
      this.logger.log({ taskId: done.id, outcome: done.outcome }, 'task completed through a link');
      return taskCompletedPage(target.claims.action);
    } catch (err) {
      if (err instanceof AlreadyUsed) return alreadyUsedPage(err.at);
      if (!(err instanceof DomainError)) throw err;
      if (err.code === 'TEMPORAL.UNAVAILABLE') return unavailablePage();
      if (err.field && target.kind === 'task') return taskForm(target, { error: err.message, status: 400 });
      const status =
        err.state !== undefined || /\.ALREADY_/.test(err.code)
          ? 409
          : err.code.endsWith('NOT_FOUND')
            ? 404
            : 400;
      return nothingToDoPage(status, err.message);
    }
  }

  /** Verifies the token and loads what it points at; a page instead when there is nothing to act on. */
  private async resolve(token: string): Promise<NoticeTarget | TaskTarget | LinkPage> {
    let claims: LinkClaims;
    try {
      claims = verifyLink(this.keys, token);
    } catch (err) {
      if (err instanceof ExpiredLinkError) return expiredLinkPage();
      if (err instanceof LinkError) return invalidLinkPage();
      throw err;
    }
    const usedAt = await linkUsedAt(this.db, claims.jti);
    if (usedAt) return alreadyUsedPage(usedAt);
    return claims.t === 'notice' ? this.noticeTarget(claims) : this.taskTarget(claims);
  }

  private async noticeTarget(claims: LinkClaims): Promise<NoticeTarget | LinkPage> {
    if (claims.action !== 'removed' && claims.action !== 'dispute') return invalidLinkPage();
    const notice = await findNoticeLinkTarget(this.db, claims.id);
    if (!notice) return notFoundPage('notice');
    const customer = notice.customer
      ? {
          reference: notice.customer.reference,
          language: notice.customer.language ?? 'en',
          timeZone: notice.customer.timeZone ?? 'UTC',
        }
      : null;
    if (notice.state === 'closed') return noticeClosedPage(customer?.language ?? 'en');
    return { kind: 'notice', claims, action: claims.action, notice, customer };
  }

  private async taskTarget(claims: LinkClaims): Promise<TaskTarget | LinkPage> {
    const task = await findTaskLinkTarget(this.db, claims.id);
    if (!task) return notFoundPage('task');
    if (!isTaskOutcome(task.kind, claims.action)) return invalidLinkPage();
    if (task.status === 'completed') {
      return taskAlreadyCompletedPage(task.outcome ?? '', task.completedBy, task.completedAt);
    }
    if (task.status === 'cancelled') return taskCancelledPage(task.note);
    return { kind: 'task', claims, task };
  }
}

function noticeForm(target: NoticeTarget, problem?: FormProblem): LinkPage {
  return noticeFormPage(
    {
      action: target.action,
      notice: target.notice,
      language: target.customer?.language ?? 'en',
      timeZone: target.customer?.timeZone ?? 'UTC',
    },
    problem,
  );
}

function taskForm(target: TaskTarget, problem?: FormProblem): LinkPage {
  return taskFormPage(
    {
      outcome: target.claims.action,
      task: target.task,
      askCustomer: needsCustomer(target.task.kind, target.claims.action),
    },
    problem,
  );
}

/** Claims the link for good; a concurrent second use waits on the key, then finds it taken. */
async function recordUse(
  tx: EntityManager,
  claims: LinkClaims,
  remoteAddr: string | undefined,
): Promise<void> {
  const usedAt = await claimLinkUse(tx, {
    jti: claims.jti,
    target: `${claims.t}:${claims.id}`,
    action: claims.action,
    remoteAddr: remoteAddr ?? null,
  });
  if (usedAt) throw new AlreadyUsed(usedAt);
}

/**
 * The link's use, in the transaction that claims it: one row per link that worked. A link refused (used, expired,
 * changed, its notice closed) wrote nothing and is not audited; the request log has it.
 */
function auditLinkUse(
  tx: EntityManager,
  claims: LinkClaims,
  summary: Record<string, unknown>,
): Promise<void> {
  return recordAudit(tx, {
    action: 'link.use',
    target: { type: claims.t, id: claims.id },
    summary: { jti: claims.jti, action: claims.action, kid: claims.kid, ...summary },
  });
}

class AlreadyUsed extends Error {
  constructor(readonly at: Date) {
    super('link already used');
  }
}

function needsCustomer(kind: TaskKind, outcome: string): boolean {
  return kind === 'attribute' && outcome === 'attributed';
}
