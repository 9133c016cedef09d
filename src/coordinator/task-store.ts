import { DEFAULTS } from '../options.js';
import type { TaskRecord } from '../task.js';

/**
 * Every accepted task until it settles, then the most recent settled ones for
 * getTask(). Eviction order is kept in a ring of ids: deleting from the front
 * of a large Map makes V8's Map iteration crawl over the holes.
 */
export class TaskStore {
  readonly pending = new Map<number, TaskRecord>();
  private readonly finished = new Map<number, TaskRecord>();
  private readonly finishedOrder: Float64Array;
  private finishedCount = 0;

  constructor(keep: number = DEFAULTS.finishedTasksKept) {
    this.finishedOrder = new Float64Array(keep);
  }

  add(task: TaskRecord): void {
    this.pending.set(task.id, task);
  }

  get(id: number): TaskRecord | undefined {
    return this.pending.get(id) ?? this.finished.get(id);
  }

  /** Moves a settled task to the finished set, evicting the oldest beyond the limit. */
  settled(task: TaskRecord): void {
    this.pending.delete(task.id);
    const at = this.finishedCount++ % this.finishedOrder.length;
    if (this.finishedCount > this.finishedOrder.length) this.finished.delete(this.finishedOrder[at] ?? 0);
    this.finishedOrder[at] = task.id;
    this.finished.set(task.id, task);
  }
}
