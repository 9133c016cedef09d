/**
 * Priority with aging, as a pure function both sides share: agents use it to
 * choose which priority ring to take from, tests use it without threads.
 *
 * Within a ring order is FIFO, so each ring's head is its oldest task and the
 * best candidate of that level; comparing the heads is enough.
 */

export interface RingHead {
  /** 1 = highest .. 10 = lowest. */
  priority: number;
  enqueuedAtMs: number;
}

/** Every `agingIntervalMs` of waiting lifts a task one priority step (no lower bound: a starved task keeps rising). */
export function effectivePriority(head: RingHead, nowMs: number, agingIntervalMs: number): number {
  const waitedMs = Math.max(0, nowMs - head.enqueuedAtMs);
  return head.priority - Math.floor(waitedMs / agingIntervalMs);
}

/** True when `a` should run before `b`: better effective priority, then older. */
export function runsBefore(a: RingHead, b: RingHead, nowMs: number, agingIntervalMs: number): boolean {
  const pa = effectivePriority(a, nowMs, agingIntervalMs);
  const pb = effectivePriority(b, nowMs, agingIntervalMs);
  if (pa !== pb) return pa < pb;
  return a.enqueuedAtMs < b.enqueuedAtMs;
}
