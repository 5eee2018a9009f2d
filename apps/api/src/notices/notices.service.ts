import { Inject, Injectable, Logger } from '@nestjs/common';
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import { DataSource } from 'typeorm';
import { DomainError, POLICIES, deadlineFor, redactUrl } from '@takedown/domain';
import { NoticeEntity, NoticeEventEntity } from '@takedown/persistence';
import { confirmRemovalSignal } from '@takedown/workflows/messages';
import type { NoticeWorkflowInput } from '@takedown/workflows/notice.workflow';
import { noticeWorkflowId } from '@takedown/workflows/task-queues';
import { AppConfig } from '../app-config';
import type { ConfirmRemovalDto, CreateNoticeDto, NoticeView } from './notice.dto';

const TEMPORAL_DEADLINE_MS = 5000;

@Injectable()
export class NoticesService {
  private readonly logger = new Logger(NoticesService.name);

  constructor(
    private readonly db: DataSource,
    @Inject(Client) private readonly temporal: Client,
    private readonly config: AppConfig,
  ) {}

  /**
   * Stores the notice and starts its workflow in one step: the row is committed only after Temporal accepted the
   * workflow, so a Temporal outage leaves nothing half-made (503). The unique source reference makes a retried or
   * concurrent submission return the notice that exists, and only its winner starts a workflow.
   */
  async submit(dto: CreateNoticeDto): Promise<{ notice: NoticeView; created: boolean }> {
    const existing = await this.findBySource(dto);
    if (existing) return { notice: await this.view(existing), created: false };

    const policy = POLICIES[this.config.env.POLICY_PROFILE];
    const timers = policy.categories[dto.category];
    const receivedAt = new Date();
    const created = await this.db.transaction(async (tx) => {
      const result = await tx
        .createQueryBuilder()
        .insert()
        .into(NoticeEntity)
        .values({
          sourceKind: dto.source.kind,
          sourceName: dto.source.name,
          sourceReference: dto.sourceReference,
          category: dto.category,
          urls: dto.urls,
          ip: dto.ip ?? null,
          observedAt: dto.observedAt ? new Date(dto.observedAt) : null,
          receivedAt,
          deadline: deadlineFor(timers, receivedAt),
          policyId: policy.id,
          policyVersion: policy.version,
          workflowId: '',
          hashes: { ...dto.hashes },
          description: dto.description ?? null,
        })
        .orIgnore()
        .returning(['id'])
        .execute();
      const id = (result.raw as { id: string }[])[0]?.id;
      if (!id) return null; // a concurrent request with the same reference won
      const workflowId = noticeWorkflowId(id);
      await tx.update(NoticeEntity, { id }, { workflowId });
      const input: NoticeWorkflowInput = {
        version: 1,
        noticeId: id,
        category: dto.category,
        receivedAt: receivedAt.toISOString(),
        policy: { id: policy.id, version: policy.version, timers },
      };
      try {
        await this.withTemporal(() =>
          this.temporal.workflow.start('noticeWorkflow', {
            workflowId,
            taskQueue: this.config.env.TEMPORAL_TASK_QUEUE,
            args: [input],
            workflowIdConflictPolicy: 'USE_EXISTING',
          }),
        );
      } catch (err) {
        throw new DomainError(
          'TEMPORAL.UNAVAILABLE',
          `the workflow engine is unavailable, try again: ${(err as Error).message}`,
        );
      }
      return id;
    });
    const id = created ?? (await this.findBySource(dto))?.id;
    if (!id) throw new DomainError('NOTICE.CONFLICT', 'the notice was changed concurrently, try again');
    const notice = await this.get(id);
    this.logger.log(
      {
        noticeId: id,
        category: dto.category,
        urls: dto.category === 'csam' ? dto.urls.map(redactUrl) : dto.urls,
      },
      created ? 'notice received' : 'notice already known',
    );
    return { notice, created: created !== null };
  }

  async get(id: string): Promise<NoticeView> {
    const notice = await this.db.getRepository(NoticeEntity).findOneBy({ id });
    if (!notice) throw new DomainError('NOTICE.NOT_FOUND', `notice ${id} does not exist`);
    return this.view(notice);
  }

  async confirmRemoval(id: string, dto: ConfirmRemovalDto): Promise<NoticeView> {
    const notice = await this.get(id);
    if (notice.state === 'closed') throw new DomainError('NOTICE.ALREADY_CLOSED', `notice ${id} is closed`);
    try {
      await this.withTemporal(() =>
        this.temporal.workflow
          .getHandle(notice.workflowId)
          .signal(confirmRemovalSignal, { by: dto.by, note: dto.note }),
      );
    } catch (err) {
      if (err instanceof WorkflowNotFoundError)
        throw new DomainError('NOTICE.ALREADY_CLOSED', `notice ${id} is closed`);
      throw new DomainError(
        'TEMPORAL.UNAVAILABLE',
        `the workflow engine is unavailable, try again: ${(err as Error).message}`,
      );
    }
    return notice;
  }

  /** A client waiting on an unreachable Temporal would hold the request for long; the caller retries instead. */
  private withTemporal<T>(call: () => Promise<T>): Promise<T> {
    return this.temporal.connection.withDeadline(Date.now() + TEMPORAL_DEADLINE_MS, call);
  }

  private findBySource(dto: CreateNoticeDto): Promise<NoticeEntity | null> {
    return this.db.getRepository(NoticeEntity).findOneBy({
      sourceKind: dto.source.kind,
      sourceName: dto.source.name,
      sourceReference: dto.sourceReference,
    });
  }

  private async view(n: NoticeEntity): Promise<NoticeView> {
    const events = await this.db
      .getRepository(NoticeEventEntity)
      .find({ where: { noticeId: n.id }, order: { occurredAt: 'ASC', id: 'ASC' } });
    return {
      id: n.id,
      source: { kind: n.sourceKind, name: n.sourceName },
      sourceReference: n.sourceReference,
      category: n.category,
      urls: n.urls,
      ip: n.ip,
      state: n.state,
      outcome: n.outcome,
      receivedAt: n.receivedAt.toISOString(),
      deadline: n.deadline?.toISOString() ?? null,
      policy: `${n.policyId}@${n.policyVersion}`,
      workflowId: n.workflowId,
      timeline: events.map((e) => ({
        type: e.type,
        actor: e.actor,
        reason: e.reason,
        occurredAt: e.occurredAt.toISOString(),
        data: e.data,
      })),
    };
  }
}
