import { Inject, Injectable, Logger } from '@nestjs/common';
import { Client } from '@temporalio/client';
import { DataSource, type EntityManager } from 'typeorm';
import { DomainError, TASK_OUTCOMES, isTaskOutcome, type Category, type TaskKind } from '@takedown/domain';
import {
  ExpiredLinkError,
  LinkError,
  resolveLinkKeys,
  verifyLink,
  type LinkClaims,
  type LinkKey,
} from '@takedown/links';
import { formatInstant, type MailLanguage } from '@takedown/mail';
import { AppConfig } from '../app-config';
import { actAs, recordAudit } from '@takedown/persistence';
import { startNoticeAction } from '../temporal/notice-signal';
import { TasksService } from '../tasks/tasks.service';
import { confirmPage, messagePage, type ConfirmPageInput, type LinkPage } from './link-pages';

/** The form a link page posts; every field is optional text until the action says otherwise. */
export type LinkForm = Record<string, unknown>;

interface NoticeTarget {
  kind: 'notice';
  claims: LinkClaims;
  action: 'removed' | 'dispute';
  notice: { id: string; category: Category; state: string; receivedAt: Date; deadline: Date | null };
  customer: { reference: string; language: MailLanguage; timeZone: string } | null;
}

interface TaskTarget {
  kind: 'task';
  claims: LinkClaims;
  task: {
    id: string;
    kind: TaskKind;
    status: string;
    outcome: string | null;
    summary: string;
    dueAt: Date;
    assigneeEmail: string;
    /** A task is about a notice or about a termination case. */
    noticeId: string | null;
    category: Category | null;
    caseId: string | null;
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const NOTICE_WORDS = {
  en: {
    removed: {
      title: 'Confirm: the material has been removed',
      explanation:
        'Tell the provider that the reported material is no longer online. The source or the abuse desk will check.',
      button: 'Yes, it has been removed',
      done: 'Thank you: your confirmation of the removal was passed on. The source or the abuse desk will check it.',
    },
    dispute: {
      title: 'Dispute this notice',
      explanation: 'Tell the provider why the notice is wrong. The abuse desk reviews every dispute.',
      button: 'Send the dispute',
      done: 'Thank you: your dispute was passed on to the abuse desk, which will review it.',
    },
    reason: 'Reason (required)',
    reasonMissing: 'Please give a reason for the dispute.',
    notice: 'Notice',
    category: 'Category',
    received: 'Received',
    deadline: 'Deadline',
    doneTitle: 'Received',
    closed: 'This notice is closed: nothing more is needed.',
  },
  nl: {
    removed: {
      title: 'Bevestig: het materiaal is verwijderd',
      explanation:
        'Laat de provider weten dat het gemelde materiaal niet meer online staat. De melder of de abuse desk controleert dit.',
      button: 'Ja, het is verwijderd',
      done: 'Dank u: uw bevestiging van de verwijdering is doorgegeven. De melder of de abuse desk controleert dit.',
    },
    dispute: {
      title: 'Deze melding betwisten',
      explanation:
        'Laat de provider weten waarom de melding onjuist is. De abuse desk beoordeelt elke betwisting.',
      button: 'Betwisting versturen',
      done: 'Dank u: uw betwisting is doorgegeven aan de abuse desk, die haar beoordeelt.',
    },
    reason: 'Reden (verplicht)',
    reasonMissing: 'Geef een reden voor de betwisting.',
    notice: 'Melding',
    category: 'Categorie',
    received: 'Ontvangen',
    deadline: 'Termijn',
    doneTitle: 'Ontvangen',
    closed: 'Deze melding is gesloten: er is niets meer nodig.',
  },
} as const;

/**
 * Signed links from emails. Showing one changes nothing; posting its form verifies it again, records its use (its
 * `jti` is the primary key of `link_uses`, so a second use finds it) and acts, all in one transaction: if Temporal
 * cannot be told, nothing is recorded and the link still works.
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
    return target.kind === 'notice' ? this.noticeForm(target) : this.taskForm(target);
  }

  async use(token: string, form: LinkForm, remoteAddr: string | undefined): Promise<LinkPage> {
    const target = await this.resolve(token);
    if ('html' in target) return target;
    const text = (name: string) => (typeof form[name] === 'string' ? (form[name] as string).trim() : '');
    try {
      if (target.kind === 'notice') {
        const reason = text('reason');
        const words = NOTICE_WORDS[target.customer?.language ?? 'en'];
        if (target.action === 'dispute' && !reason) {
          return this.noticeForm(target, { error: words.reasonMissing, status: 400 });
        }
        const customer = target.customer?.reference ?? 'unattributed';
        actAs({ kind: 'link', id: `customer:${customer}`, name: `abuse contact of ${customer}` });
        await this.db.transaction(async (tx) => {
          await this.recordUse(tx, target.claims, remoteAddr);
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
        return messagePage(200, words.doneTitle, words[target.action].done, target.customer?.language);
      }
      const note = text('note').slice(0, 5000);
      const customerId = text('customerId');
      if (needsCustomer(target.task.kind, target.claims.action) && !UUID.test(customerId)) {
        return this.taskForm(target, {
          error: 'Give the id (a UUID) of the customer the notice belongs to.',
          status: 400,
        });
      }
      actAs({ kind: 'link', id: target.task.assigneeEmail, name: target.task.assigneeEmail });
      const done = await this.db.transaction(async (tx) => {
        await this.recordUse(tx, target.claims, remoteAddr);
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
      return messagePage(
        200,
        'Task completed',
        `The task is completed as “${label(target.claims.action)}”. Thank you.`,
      );
    } catch (err) {
      if (err instanceof AlreadyUsed) return alreadyUsed(err.at);
      if (!(err instanceof DomainError)) throw err;
      if (err.code === 'TEMPORAL.UNAVAILABLE') {
        return messagePage(
          503,
          'Please try again in a moment',
          'The request could not be passed on right now. Nothing was changed and the link still works.',
        );
      }
      if (err.field && target.kind === 'task')
        return this.taskForm(target, { error: err.message, status: 400 });
      const status =
        err.state !== undefined || /\.ALREADY_/.test(err.code)
          ? 409
          : err.code.endsWith('NOT_FOUND')
            ? 404
            : 400;
      return messagePage(status, 'Nothing to do', err.message);
    }
  }

  /** Verifies the token and loads what it points at; a page instead when there is nothing to act on. */
  private async resolve(token: string): Promise<NoticeTarget | TaskTarget | LinkPage> {
    let claims: LinkClaims;
    try {
      claims = verifyLink(this.keys, token);
    } catch (err) {
      if (err instanceof ExpiredLinkError) {
        return messagePage(
          410,
          'This link has expired',
          'Links in our emails work for a limited time. Reply to the email or contact the abuse desk instead.',
        );
      }
      if (err instanceof LinkError) {
        return messagePage(
          400,
          'This link is not valid',
          'Check that the whole link was copied from the email.',
        );
      }
      throw err;
    }
    const [used] = (await this.db.query(`SELECT used_at FROM link_uses WHERE jti = $1`, [claims.jti])) as {
      used_at: Date;
    }[];
    if (used) return alreadyUsed(used.used_at);
    return claims.t === 'notice' ? this.noticeTarget(claims) : this.taskTarget(claims);
  }

  private async noticeTarget(claims: LinkClaims): Promise<NoticeTarget | LinkPage> {
    if (claims.action !== 'removed' && claims.action !== 'dispute') {
      return messagePage(
        400,
        'This link is not valid',
        'Check that the whole link was copied from the email.',
      );
    }
    const [row] = (await this.db.query(
      `SELECT n.id, n.category, n.state, n.received_at, n.deadline, c.reference, c.language, c.time_zone
       FROM notices n LEFT JOIN customers c ON c.id = n.customer_id WHERE n.id = $1`,
      [claims.id],
    )) as {
      id: string;
      category: Category;
      state: string;
      received_at: Date;
      deadline: Date | null;
      reference: string | null;
      language: MailLanguage | null;
      time_zone: string | null;
    }[];
    if (!row) return messagePage(404, 'Not found', 'The notice this link is about does not exist.');
    const customer = row.reference
      ? { reference: row.reference, language: row.language ?? 'en', timeZone: row.time_zone ?? 'UTC' }
      : null;
    if (row.state === 'closed') {
      const language = customer?.language ?? 'en';
      return messagePage(409, NOTICE_WORDS[language].notice, NOTICE_WORDS[language].closed, language);
    }
    return {
      kind: 'notice',
      claims,
      action: claims.action,
      notice: {
        id: row.id,
        category: row.category,
        state: row.state,
        receivedAt: row.received_at,
        deadline: row.deadline,
      },
      customer,
    };
  }

  private async taskTarget(claims: LinkClaims): Promise<TaskTarget | LinkPage> {
    const [row] = (await this.db.query(
      `SELECT t.id, t.kind, t.status, t.outcome, t.summary, t.due_at, t.assignee_email, t.completed_at,
              t.completed_by, t.note, n.id AS notice_id, n.category, t.case_id
       FROM tasks t LEFT JOIN notices n ON n.id = t.notice_id WHERE t.id = $1`,
      [claims.id],
    )) as {
      id: string;
      kind: TaskKind;
      status: string;
      outcome: string | null;
      summary: string;
      due_at: Date;
      assignee_email: string;
      completed_at: Date | null;
      completed_by: string | null;
      note: string | null;
      notice_id: string | null;
      category: Category | null;
      case_id: string | null;
    }[];
    if (!row) return messagePage(404, 'Not found', 'The task this link is about does not exist.');
    if (!isTaskOutcome(row.kind, claims.action)) {
      return messagePage(
        400,
        'This link is not valid',
        'Check that the whole link was copied from the email.',
      );
    }
    if (row.status === 'completed') {
      return messagePage(
        409,
        'Task already completed',
        `This task was completed as “${label(row.outcome ?? '')}” by ${row.completed_by} at ${row.completed_at?.toISOString()}.`,
      );
    }
    if (row.status === 'cancelled') {
      return messagePage(
        409,
        'Task cancelled',
        `This task was cancelled: ${row.note ?? 'its notice closed'}.`,
      );
    }
    return {
      kind: 'task',
      claims,
      task: {
        id: row.id,
        kind: row.kind,
        status: row.status,
        outcome: row.outcome,
        summary: row.summary,
        dueAt: row.due_at,
        assigneeEmail: row.assignee_email,
        noticeId: row.notice_id,
        category: row.category,
        caseId: row.case_id,
      },
    };
  }

  private noticeForm(target: NoticeTarget, problem?: { error: string; status: number }): LinkPage {
    const language = target.customer?.language ?? 'en';
    const tz = target.customer?.timeZone ?? 'UTC';
    const w = NOTICE_WORDS[language];
    const input: ConfirmPageInput = {
      language,
      title: w[target.action].title,
      explanation: w[target.action].explanation,
      facts: [
        [w.notice, target.notice.id],
        [w.category, target.notice.category],
        [w.received, formatInstant(target.notice.receivedAt, tz, language)],
        ...(target.notice.deadline
          ? [[w.deadline, formatInstant(target.notice.deadline, tz, language)] as [string, string]]
          : []),
      ],
      button: w[target.action].button,
      fields:
        target.action === 'dispute'
          ? { text: { name: 'reason', label: w.reason, required: true } }
          : undefined,
      error: problem?.error,
    };
    return confirmPage(input, problem?.status);
  }

  private taskForm(target: TaskTarget, problem?: { error: string; status: number }): LinkPage {
    const t = target.task;
    return confirmPage(
      {
        language: 'en',
        title: `Complete the task as “${label(target.claims.action)}”`,
        explanation: t.summary,
        facts: [
          ['Task', `${label(t.kind)} (${t.id})`],
          ['Answers it takes', TASK_OUTCOMES[t.kind].map(label).join(', ')],
          ['Due', formatInstant(t.dueAt, 'UTC')],
          t.caseId ? ['Termination case', t.caseId] : ['Notice', `${t.noticeId} (${t.category})`],
        ],
        button: `Complete as “${label(target.claims.action)}”`,
        fields: {
          text: { name: 'note', label: 'Note (optional)', required: false },
          ...(needsCustomer(t.kind, target.claims.action) ? { customerId: {} } : {}),
        },
        error: problem?.error,
      },
      problem?.status,
    );
  }

  /** Claims the link for good; a concurrent second use waits on the key, then finds it taken. */
  private async recordUse(
    tx: EntityManager,
    claims: LinkClaims,
    remoteAddr: string | undefined,
  ): Promise<void> {
    const inserted = (await tx.query(
      `INSERT INTO link_uses (jti, target, action, remote_addr) VALUES ($1, $2, $3, $4::inet)
       ON CONFLICT (jti) DO NOTHING RETURNING jti`,
      [claims.jti, `${claims.t}:${claims.id}`, claims.action, remoteAddr ?? null],
    )) as unknown[];
    if (!inserted.length) {
      const [used] = (await tx.query(`SELECT used_at FROM link_uses WHERE jti = $1`, [claims.jti])) as {
        used_at: Date;
      }[];
      throw new AlreadyUsed(used.used_at);
    }
  }
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

function alreadyUsed(at: Date): LinkPage {
  return messagePage(
    409,
    'This link has already been used',
    `It was used at ${at.toISOString()}. Each link works once; nothing more is needed.`,
  );
}

function needsCustomer(kind: TaskKind, outcome: string): boolean {
  return kind === 'attribute' && outcome === 'attributed';
}

function label(code: string): string {
  return code.replace(/_/g, ' ');
}
