/**
 * Runs a workload on a CoordinationPool and returns what was measured: task
 * counts, throughput, the pool's own latency metrics and its encoded HDR
 * histograms. Closed loop (`count`): keep `concurrency` tasks outstanding.
 * Open loop (`rate`): submit on a clock whatever the pool's progress, so queueing
 * shows up as assignment latency (and, past queueCapacity, as rejections).
 *
 * One pool serves every pass of a gate invocation (warm-up and measured runs):
 * a fresh pool per pass would start cold agent isolates each time, and that
 * JIT warm-up is exactly the noise a warm-up pass is meant to take out.
 * Each pass starts a new metrics window, so its figures are its own.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { CoordinationPool, ErrorCodes, type PoolMetrics } from '../index.js';
import { UsageError } from './args.js';
import { neighbourCpuMeter } from './neighbour-cpu.js';
import { effectiveQueueCapacity, plannedTasks, weightedPicker, type Schedule, type TaskMixEntry, type Workload } from './workload.js';

/** The pool's encoded HDR histograms (microseconds): overall and per task type. */
export type EncodedHistograms = ReturnType<CoordinationPool['exportHistograms']>;

export interface TaskCounts {
  planned: number;
  submitted: number;
  completed: number;
  failed: number;
  rejected: number;
}

export interface RunResult {
  /** First submit to last settlement. */
  durationMs: number;
  tasks: TaskCounts;
  /** Completed tasks per second over durationMs. */
  throughputPerSec: number;
  failuresByCode: Record<string, number>;
  firstFailure: { type: string; code: string; message: string } | undefined;
  /** Garbage-collection pauses on the main thread during the pass: a cause of tail latency worth seeing beside it. */
  mainThreadGcMs: number;
  /** Other processes' share of the machine's CPU during the pass, percent; undefined off Linux. */
  neighbourCpuPct: number | undefined;
  metrics: PoolMetrics;
  histograms: EncodedHistograms;
}

/**
 * The agents could not start: the module threw while loading, its setup()
 * threw, or no agent became ready in time. Not a usage error: the gate still
 * writes a report saying so, and exits 1.
 */
export class GateStartupError extends Error {
  /** ERR_AGENT_INIT (module or setup() threw), or ERR_GATE_READY_TIMEOUT. */
  readonly code: string;
  /** The agent's own error code, when its error carried one (e.g. `E_NO_DB`). */
  readonly agentCode: string | undefined;

  constructor(message: string, code: string, agentCode: string | undefined, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GateStartupError';
    this.code = code;
    this.agentCode = agentCode;
  }
}

export const READY_TIMEOUT_CODE = 'ERR_GATE_READY_TIMEOUT';
const READY_TIMEOUT_MS = 60_000;

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'ERR_UNKNOWN';
}

/** The cause chain, outermost first (bounded: a cyclic chain must not hang the gate). */
function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [error];
  for (let depth = 0; depth < 5; depth++) {
    const cause = (chain[chain.length - 1] as { cause?: unknown } | null)?.cause;
    if (cause === undefined || cause === null) break;
    chain.push(cause);
  }
  return chain;
}

/** The innermost message of a cause chain: the agent's own words, not the pool's wrapper. */
function rootMessage(error: unknown): string {
  const e = causeChain(error).at(-1);
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

function startupError(error: unknown, agentUrl: URL): GateStartupError {
  const chain = causeChain(error);
  const init = chain.find((e) => codeOf(e) === ErrorCodes.AGENT_INIT);
  const root = chain.at(-1);
  const agentCode = root !== init && root !== error ? (root as { code?: unknown } | null)?.code : undefined;
  const code = init !== undefined ? ErrorCodes.AGENT_INIT : codeOf(error);
  return new GateStartupError(`the agent module ${agentUrl.href} failed to start: ${rootMessage(error)}`, code, typeof agentCode === 'string' ? agentCode : undefined, {
    cause: error,
  });
}

async function readyOrFail(pool: CoordinationPool, agentUrl: URL): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new GateStartupError(`agents did not become ready within ${READY_TIMEOUT_MS} ms`, READY_TIMEOUT_CODE, undefined)), READY_TIMEOUT_MS);
  });
  try {
    await Promise.race([pool.ready(), timeout]);
  } catch (error) {
    if (error instanceof GateStartupError) throw error;
    const code = codeOf(error);
    if (code === ErrorCodes.POOL_DEGRADED || code === ErrorCodes.AGENT_INIT) throw startupError(error, agentUrl);
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
    /** Admission: throws (pool) or rejects (Redis, where add() is asynchronous) with QueueFullError past the bound. */
    private readonly submitTask: SubmitTask,
    private readonly tasks: readonly TaskMixEntry[],
    schedule: Schedule,
    private readonly onSettled: () => void,
    private readonly onProgress: ((settled: number, planned: number) => void) | undefined,
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
      result = this.submitTask(entry.payload, { type: entry.type, priority: entry.priority, timeoutMs: entry.timeoutMs });
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
          // Through Redis a full queue is known only once add() settles: still a rejection, not a failure.
          if (codeOf(error) === ErrorCodes.QUEUE_FULL) {
            this.counts.submitted--;
            this.counts.rejected++;
          } else {
            this.counts.failed++;
          }
          this.noteFailure(entry.type, error);
        },
      )
      .finally(() => {
        this.outstanding--;
        this.onProgress?.(this.settled, this.counts.planned);
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

/** Sums main-thread GC pause time while it is open. */
function gcMeter(): { stop: () => number } {
  let totalMs = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) totalMs += entry.duration;
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    stop: () => {
      for (const entry of observer.takeRecords()) totalMs += entry.duration;
      observer.disconnect();
      return totalMs;
    },
  };
}

type SubmitTask = (payload: unknown, options: { type: string; priority: number | undefined; timeoutMs: number | undefined }) => Promise<unknown>;

/** The workload through a Redis queue that this pool consumes (daedalus-pool/redis): admission and results cross Redis. */
async function throughRedis(pool: CoordinationPool, redis: { url: string; name?: string }, queueCapacity: number): Promise<{ submit: SubmitTask; close: () => Promise<void> }> {
  const { RedisTaskQueue, consume } = await import('../redis/index.js');
  const queue = new RedisTaskQueue({ connection: redis.url, name: redis.name ?? `daedalus-gate-${process.pid}`, queueCapacity });
  const consumer = consume(pool, queue, { concurrency: Math.max(16, pool.listAgents().length * 8) });
  return {
    submit: async (payload, options) => queue.result(await queue.add(payload, options)),
    async close() {
      await consumer.close();
      await queue.close();
    },
  };
}

/** A started pool, ready for passes of one workload. */
export class GatePool {
  private constructor(
    private readonly pool: CoordinationPool,
    readonly workload: Workload,
    readonly queueCapacity: number,
    /** Pool creation to every agent ready. */
    readonly startupMs: number,
    private readonly submitTask: SubmitTask,
    private readonly detach: () => Promise<void>,
  ) {}

  /** Starts `agents` agents of the module; a module or setup() that throws is a GateStartupError. With `redis`, tasks go through that Redis queue. */
  static async start(options: { agentUrl: URL; workload: Workload; agents: number; redis?: { url: string; name?: string } | undefined }): Promise<GatePool> {
    const { workload, agents, agentUrl } = options;
    const queueCapacity = effectiveQueueCapacity(workload);
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
      const local = pool;
      if (options.redis === undefined) return new GatePool(pool, workload, queueCapacity, startupMs, (payload, o) => local.submit(payload, o).result, () => Promise.resolve());
      const redis = await throughRedis(pool, options.redis, queueCapacity);
      return new GatePool(pool, workload, queueCapacity, startupMs, redis.submit, redis.close);
    } catch (error) {
      await pool.destroy().catch(() => undefined);
      throw error;
    }
  }

  /** One pass of the workload in a fresh metrics window; `onProgress` hears (settled, planned) as tasks settle. */
  async run(onProgress?: (settled: number, planned: number) => void): Promise<RunResult> {
    const { workload, pool } = this;
    pool.resetMetrics();
    const wake = { fn: (): void => {} };
    const submitter = new Submitter(this.submitTask, workload.tasks, workload.schedule, () => wake.fn(), onProgress);
    const gc = gcMeter();
    const neighbours = neighbourCpuMeter();
    const startMs = performance.now();
    let mainThreadGcMs: number;
    try {
      if (workload.schedule.kind === 'count') await runClosedLoop(submitter, workload.schedule, wake);
      else await runOpenLoop(submitter, workload.schedule, wake);
    } finally {
      mainThreadGcMs = gc.stop();
    }
    const durationMs = performance.now() - startMs;
    const neighbourCpuPct = neighbours.stop();
    const counts = submitter.counts;
    return {
      durationMs,
      tasks: counts,
      throughputPerSec: durationMs > 0 ? (counts.completed * 1000) / durationMs : 0,
      failuresByCode: submitter.failuresByCode,
      firstFailure: submitter.firstFailure,
      mainThreadGcMs,
      neighbourCpuPct,
      metrics: pool.metrics(),
      histograms: pool.exportHistograms(),
    };
  }

  async close(): Promise<void> {
    await this.detach();
    await this.pool.close();
  }

  async destroy(): Promise<void> {
    await this.detach().catch(() => undefined);
    await this.pool.destroy();
  }
}
