/**
 * Runs a workload on a CoordinationPool and returns what was measured: task
 * counts, throughput, the pool's own latency metrics and its encoded HDR
 * histograms. Closed loop (`count`): keep `concurrency` tasks outstanding.
 * Open loop (`rate`): submit on a clock whatever the pool's progress, so queueing
 * shows up as assignment latency (and, past queueCapacity, as rejections).
 */
import { CoordinationPool, ErrorCodes, type PoolMetrics } from '../index.js';
import { UsageError } from './args.js';
import { plannedTasks, weightedPicker, type Schedule, type TaskMixEntry, type Workload } from './workload.js';

/** The pool's encoded HDR histograms (microseconds): overall and per task type. */
export type EncodedHistograms = ReturnType<CoordinationPool['exportHistograms']>;

export interface RunOptions {
  agentUrl: URL;
  workload: Workload;
  agents: number;
  /** Called as tasks settle: fraction of the planned tasks done. */
  onProgress?: (fraction: number) => void;
}

export interface TaskCounts {
  planned: number;
  submitted: number;
  completed: number;
  failed: number;
  rejected: number;
}

export interface RunResult {
  startupMs: number;
  /** First submit to last settlement. */
  durationMs: number;
  tasks: TaskCounts;
  /** Completed tasks per second over durationMs. */
  throughputPerSec: number;
  failuresByCode: Record<string, number>;
  firstFailure: { type: string; code: string; message: string } | undefined;
  queueCapacity: number;
  metrics: PoolMetrics;
  histograms: EncodedHistograms;
}

const READY_TIMEOUT_MS = 60_000;

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'ERR_UNKNOWN';
}

/** The innermost message of a cause chain: the agent's own words, not the pool's wrapper. */
function rootMessage(error: unknown): string {
  let e: unknown = error;
  for (let depth = 0; depth < 5; depth++) {
    const cause = (e as { cause?: unknown } | null)?.cause;
    if (cause === undefined || cause === null) break;
    e = cause;
  }
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

function queueCapacityFor(workload: Workload): number {
  if (workload.queueCapacity !== undefined) return workload.queueCapacity;
  const s = workload.schedule;
  return Math.max(100, s.kind === 'count' ? s.concurrency : Math.ceil(s.ratePerSec));
}

async function readyOrFail(pool: CoordinationPool, agentUrl: URL): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`agents did not become ready within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
  });
  try {
    await Promise.race([pool.ready(), timeout]);
  } catch (error) {
    const code = codeOf(error);
    if (code === ErrorCodes.POOL_DEGRADED || code === ErrorCodes.AGENT_INIT) {
      throw new UsageError('--agent', `--agent: the agent module ${agentUrl.href} failed to start: ${rootMessage(error)}`, { cause: error });
    }
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

class Submitter {
  readonly counts: TaskCounts;
  readonly failuresByCode: Record<string, number> = {};
  firstFailure: RunResult['firstFailure'];
  outstanding = 0;
  /** A problem found mid-run (e.g. a type the agent does not handle): no more submissions, the run fails. */
  fatal: Error | undefined;
  private readonly pick: () => TaskMixEntry;

  constructor(
    private readonly pool: CoordinationPool,
    private readonly tasks: readonly TaskMixEntry[],
    schedule: Schedule,
    private readonly onSettled: () => void,
    private readonly onProgress: ((fraction: number) => void) | undefined,
  ) {
    this.counts = { planned: plannedTasks(schedule), submitted: 0, completed: 0, failed: 0, rejected: 0 };
    this.pick = weightedPicker(tasks);
  }

  /** Submissions tried: accepted plus rejected (queue full). */
  get issued(): number {
    return this.counts.submitted + this.counts.rejected;
  }

  get settled(): number {
    return this.counts.completed + this.counts.failed + this.counts.rejected;
  }

  submitOne(): void {
    const entry = this.pick();
    let result: Promise<unknown>;
    try {
      result = this.pool.submit(entry.payload, { type: entry.type, priority: entry.priority, timeoutMs: entry.timeoutMs }).result;
    } catch (error) {
      const code = codeOf(error);
      if (code === ErrorCodes.QUEUE_FULL) {
        this.counts.rejected++;
        this.noteFailure(entry.type, error);
      } else if (code === ErrorCodes.UNKNOWN_TASK_TYPE) {
        const field = `tasks[${this.tasks.indexOf(entry)}].type`;
        this.fatal = new UsageError(field, `workload: task type '${entry.type}' (${field}) is not handled by the agent module`, { cause: error });
      } else {
        this.fatal = error instanceof Error ? error : new Error(String(error));
      }
      return;
    }
    this.counts.submitted++;
    this.outstanding++;
    result
      .then(
        () => {
          this.counts.completed++;
        },
        (error: unknown) => {
          this.counts.failed++;
          this.noteFailure(entry.type, error);
        },
      )
      .finally(() => {
        this.outstanding--;
        this.onProgress?.(this.settled / this.counts.planned);
        this.onSettled();
      })
      .catch(() => undefined);
  }

  private noteFailure(type: string, error: unknown): void {
    const code = codeOf(error);
    this.failuresByCode[code] = (this.failuresByCode[code] ?? 0) + 1;
    this.firstFailure ??= { type, code, message: rootMessage(error) };
  }
}

/** Closed loop: refill to `concurrency` outstanding as tasks settle, until `count` were submitted and all settled. */
function runClosedLoop(s: Submitter, schedule: Extract<Schedule, { kind: 'count' }>, wake: { fn: () => void }): Promise<void> {
  return new Promise((resolve, reject) => {
    wake.fn = () => {
      while (s.fatal === undefined && s.outstanding < schedule.concurrency && s.issued < schedule.count) s.submitOne();
      if (s.fatal !== undefined && s.outstanding === 0) reject(s.fatal);
      else if (s.outstanding === 0 && s.issued >= schedule.count) resolve();
    };
    wake.fn();
  });
}

/** Open loop: on a 1 ms tick, submit what the clock says is due; then wait for everything to settle. */
function runOpenLoop(s: Submitter, schedule: Extract<Schedule, { kind: 'rate' }>, wake: { fn: () => void }): Promise<void> {
  const total = plannedTasks(schedule);
  const startMs = performance.now();
  let done = false;
  return new Promise((resolve, reject) => {
    const finishIfDone = (): void => {
      if (!done || s.outstanding > 0) return;
      if (s.fatal !== undefined) reject(s.fatal);
      else resolve();
    };
    wake.fn = finishIfDone;
    const tick = (): void => {
      const due = Math.min(total, Math.floor(((performance.now() - startMs) * schedule.ratePerSec) / 1000) + 1);
      while (s.fatal === undefined && s.issued < due) s.submitOne();
      if (s.fatal !== undefined || s.issued >= total) {
        done = true;
        finishIfDone();
        return;
      }
      setTimeout(tick, 1);
    };
    tick();
  });
}

export async function runWorkload(options: RunOptions): Promise<RunResult> {
  const { workload, agents, agentUrl } = options;
  const queueCapacity = queueCapacityFor(workload);
  let pool: CoordinationPool;
  try {
    pool = new CoordinationPool({ agent: agentUrl, size: agents, maxSize: Math.max(agents, 16), queueCapacity });
  } catch (error) {
    if (codeOf(error) === ErrorCodes.INVALID_OPTION) throw new UsageError('--agents', `cannot build the pool: ${(error as Error).message}`, { cause: error });
    throw error;
  }
  try {
    const createdMs = performance.now();
    await readyOrFail(pool, agentUrl);
    const startupMs = performance.now() - createdMs;
    const wake = { fn: (): void => {} };
    const submitter = new Submitter(pool, workload.tasks, workload.schedule, () => wake.fn(), options.onProgress);
    const startMs = performance.now();
    if (workload.schedule.kind === 'count') await runClosedLoop(submitter, workload.schedule, wake);
    else await runOpenLoop(submitter, workload.schedule, wake);
    const durationMs = performance.now() - startMs;
    const metrics = pool.metrics();
    const histograms = pool.exportHistograms();
    await pool.close();
    const counts = submitter.counts;
    return {
      startupMs,
      durationMs,
      tasks: counts,
      throughputPerSec: durationMs > 0 ? (counts.completed * 1000) / durationMs : 0,
      failuresByCode: submitter.failuresByCode,
      firstFailure: submitter.firstFailure,
      queueCapacity,
      metrics,
      histograms,
    };
  } catch (error) {
    await pool.destroy().catch(() => undefined);
    throw error;
  }
}
