import type { TaskAssignee, TaskKind } from '@takedown/domain';
import type { PendingTask } from '../messages';

/** A task a workflow opened and waits for, with what its timers need to know. */
export interface OpenTaskEntry extends PendingTask {
  assignee: TaskAssignee;
  /** When it was opened, by the workflow's clock (epoch ms). */
  openedAt: number;
  reminded?: boolean;
  leadEscalated?: boolean;
}

/**
 * The tasks a workflow waits for, and the numbered keys of its timeline steps and tasks: the pattern the notice and
 * the termination workflows share. `owner` is the notice or case id; keys make retried activities write once.
 */
export class Timeline {
  private seq = 0;
  private readonly pending = new Map<string, OpenTaskEntry>();
  /** Tasks the workflow waited for and no longer does (completed or cancelled). */
  private readonly finished = new Set<string>();

  constructor(private readonly owner: string) {}

  /** The next timeline step's key, numbered in order. */
  stepKey(type: string): string {
    return `${this.owner}:${++this.seq}:${type}`;
  }

  /** The next task's key. */
  taskKey(kind: TaskKind): string {
    return `${this.owner}:task:${kind}:${++this.seq}`;
  }

  /** Books a task its activity opened. */
  add(task: OpenTaskEntry): void {
    this.pending.set(task.taskId, task);
  }

  /** Takes a task off the book; false when the workflow was not waiting for it (cancelled, or never committed). */
  remove(taskId: string): boolean {
    const removed = this.pending.delete(taskId);
    if (removed) this.finished.add(taskId);
    return removed;
  }

  /** Whether the workflow once waited for this task and no longer does. */
  isFinished(taskId: string): boolean {
    return this.finished.has(taskId);
  }

  has(kind: TaskKind): boolean {
    return [...this.pending.values()].some((t) => t.kind === kind);
  }

  tasks(): OpenTaskEntry[] {
    return [...this.pending.values()];
  }

  clear(): void {
    for (const taskId of this.pending.keys()) this.finished.add(taskId);
    this.pending.clear();
  }

  /** What the status query shows of them. */
  list(): PendingTask[] {
    return this.tasks().map(({ taskId, kind, dueAt }) => ({ taskId, kind, dueAt }));
  }
}
