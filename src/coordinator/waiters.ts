/**
 * Promises that wait for the pool to empty (onIdle) or for its queue to shrink
 * (onSizeLessThan). Agents claim work straight from shared memory without
 * telling the main thread, so queue size is re-checked whenever the main thread
 * hears from the pool (a completion batch, a settle): a waiter resolves at the
 * latest when the first task it waited behind finishes.
 */
export class Waiters {
  /** The ledger's settle observer: the last pending task settling wakes onIdle(). */
  onSettled(_task: unknown, _phase: unknown, pendingCount: number): void {
    if (pendingCount === 0) this.notifyIdle();
  }

  private idle: (() => void)[] = [];
  private bySize: { below: number; resolve: () => void }[] = [];

  whenIdle(pendingCount: number): Promise<void> {
    if (pendingCount === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  notifyIdle(): void {
    const waiters = this.idle;
    this.idle = [];
    for (const w of waiters) w();
  }

  whenSizeBelow(below: number, depth: number): Promise<void> {
    if (depth < below) return Promise.resolve();
    return new Promise((resolve) => this.bySize.push({ below, resolve }));
  }

  /** Anyone waiting on the queue size: lets the hot path skip computing it. */
  get watchingSize(): boolean {
    return this.bySize.length > 0;
  }

  checkSize(depth: number): void {
    if (this.bySize.length === 0) return;
    const still: typeof this.bySize = [];
    for (const w of this.bySize) {
      if (depth < w.below) w.resolve();
      else still.push(w);
    }
    this.bySize = still;
  }
}
