/**
 * The public shapes of `pool.schedule()`: when it fires, how, what its handle
 * tells, and the payloads of its three events. Type-level only.
 */
import type { AgentShape, RunOptions } from '../agent-types.js';
import type { TaskOptions } from '../types.js';

/**
 * When a schedule fires. Exactly one of:
 * - `{ everyMs }`: every `everyMs` milliseconds on a fixed grid from the moment
 *   `schedule()` was called (the first firing is at that moment + everyMs);
 *   a late wake-up never shifts the grid, and periods that passed entirely
 *   while the process could not fire are skipped (counted as `missed`), not
 *   fired in a burst.
 * - `{ cron, tz? }`: the next times croner computes for the pattern (5, 6 or
 *   7 fields, or a nickname such as `@hourly`), in the IANA time zone `tz`
 *   (default: the process's local zone).
 *
 * `immediately: true` adds one firing at once (on the next timer turn, after
 * `schedule()` has returned), then follows the grid or the pattern.
 */
export type ScheduleWhen =
  | { everyMs: number; immediately?: boolean; cron?: never; tz?: never }
  | { cron: string; tz?: string; immediately?: boolean; everyMs?: never };

/** What a firing does when the task of an earlier firing has not settled yet. */
export type ScheduleOverlap = 'skip' | 'queue';

/** The options that belong to the schedule itself, not to each firing's task. */
export interface ScheduleOwnOptions {
  /** 'skip' (default): the firing is skipped and counted while an earlier firing's task is pending. 'queue': submitted anyway. */
  overlap?: ScheduleOverlap;
}

/**
 * A task option that cannot serve many tasks: one AbortSignal would abort
 * every later firing, and a transfer list can move its buffers only once.
 */
export type SingleTaskOption = 'signal' | 'transfer';

/** Untyped form: each firing's task options plus the schedule's own. */
export type ScheduleOptions = Omit<TaskOptions, SingleTaskOption> & ScheduleOwnOptions;

/** As `run()`'s options in a pool typed by its agent: `type` is checked against the handler names. */
export type ScheduleRunOptions<A extends AgentShape, K> = Omit<RunOptions<A, K>, SingleTaskOption> & ScheduleOwnOptions;

/**
 * A schedule's counts since it was made. Every planned time that came is
 * exactly one of fired, skipped or rejected; `missed` counts planned times that
 * passed while the process could not act (a blocked event loop, a suspended
 * machine) and were never attempted.
 */
export interface ScheduleStats {
  /** Firings accepted by submit(): each is a task. */
  fired: number;
  /** Firings not submitted because an earlier firing's task was still pending (overlap 'skip'). */
  skipped: number;
  /** Firings submit() refused (queue full, degraded, unknown task type...): see scheduleRejected. */
  rejected: number;
  /** Planned times that passed unattempted while the process was late (a cron schedule counts at most 100 per late wake-up). */
  missed: number;
  /** Fired tasks that completed. */
  completed: number;
  /** Fired tasks whose result rejected (failed, timed out, cancelled, closed). */
  failed: number;
}

export interface ScheduleHandle {
  /** Unique within the pool; the `scheduleId` of the schedule's events. */
  readonly id: number;
  /** No firing after this returns; tasks already fired run on. Idempotent. */
  cancel(): void;
  /** The next planned firing, or undefined once cancelled, once the pool closes, or when the pattern has no later time. */
  next(): Date | undefined;
  /** A copy of the counts, taken now. */
  stats(): ScheduleStats;
}

interface ScheduleRef {
  scheduleId: number;
  /** Epoch ms the firing was planned for. */
  plannedAtMs: number;
  /** Epoch ms it actually came (at or a little after plannedAtMs). */
  firedAtMs: number;
}

/** A firing was accepted: `taskId`/`traceId` are its task's. */
export type ScheduleFiredEvent = ScheduleRef & { taskId: number; traceId: string };
/** A firing was not submitted: the task of an earlier firing (`pendingTaskId`) was still pending. */
export type ScheduleSkippedEvent = ScheduleRef & { reason: 'overlap'; pendingTaskId: number };
/** submit() refused a firing; `error` is what it threw (a QueueFullError, a PoolDegradedError...). */
export type ScheduleRejectedEvent = ScheduleRef & { error: Error };
