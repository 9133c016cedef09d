import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { ErrorCodes, PoolError } from '../errors.js';
import { LatencyHistogram } from '../metrics/histogram.js';
import type { CoordinationPool } from '../pool.js';
import type { LatencySummary, TaskOptions } from '../types.js';
import type { RedisTaskQueue } from './queue.js';
import type { JobData } from './types.js';
import { failureMessage } from './wire.js';

/** A job that is not idempotent was delivered again after its consumer died holding it: it is not run twice. */
export class RedeliveredError extends Error {
  readonly code = 'ERR_REDELIVERED';
  constructor(readonly jobId: string, readonly attemptsStarted: number) {
    super(`Job ${jobId} is not idempotent and was delivered again (start ${attemptsStarted}) after its consumer stopped holding it: not run twice`);
    this.name = 'RedeliveredError';
  }
}

export interface ConsumeOptions {
  /** Jobs taken from Redis at once. Default: the pool's agent count. */
  concurrency?: number;
  /** How long a consumer's hold on a job lasts without renewal; a consumer that dies loses its jobs to another after this. Default 30,000. */
  lockDurationMs?: number;
  /** How often this consumer looks for jobs whose consumer died. Default 30,000. */
  stalledIntervalMs?: number;
}

export interface RedisConsumer {
  /** Resolves once it is connected and taking jobs. */
  ready(): Promise<void>;
  /** Time jobs waited in Redis before this consumer took them, and how many wait now. */
  metrics(): Promise<{ redisWaitMs: LatencySummary; depth: number; jobs: { completed: number; failed: number; redelivered: number } }>;
  /** Stops taking jobs; the ones held finish first. */
  close(): Promise<void>;
}

/**
 * A local pool takes jobs from a Redis queue as its agents free up and reports
 * outcomes back (BullMQ Worker). Every local guarantee holds, since each job
 * is an ordinary submit(): failover to another local agent, hang detection,
 * timeouts, per-type metrics. BullMQ's lock and stalled-job check are the
 * heartbeat with a TTL: a consumer killed mid-job loses the job to another
 * consumer once its lock expires (at-least-once), except a job with
 * `idempotent: false`, which then fails with ERR_REDELIVERED.
 */
export function consume(pool: CoordinationPool, queue: RedisTaskQueue, options: ConsumeOptions = {}): RedisConsumer {
  const redisWait = new LatencyHistogram();
  const jobs = { completed: 0, failed: 0, redelivered: 0 };
  const worker = new Worker<JobData>(
    queue.name,
    async (job: Job<JobData>) => {
      redisWait.recordMs(Math.max(0, Date.now() - job.timestamp));
      const { payload, options: task } = job.data;
      if (job.attemptsStarted > 1 && task.idempotent === false && job.attemptsMade < job.attemptsStarted - 1) {
        jobs.redelivered++;
        throw new UnrecoverableError(failureMessage(new RedeliveredError(job.id as string, job.attemptsStarted)));
      }
      const taskOptions: TaskOptions = { ...task, traceId: task.traceId ?? `redis-${queue.name}-${job.id as string}` };
      try {
        const handle = pool.submit(payload, taskOptions);
        const value = await handle.result;
        jobs.completed++;
        return value;
      } catch (error) {
        jobs.failed++;
        // Refused by this pool (full, closed): another consumer may take it; the job's own attempts decide.
        const retryable = error instanceof PoolError && (error.code === ErrorCodes.QUEUE_FULL || error.code === ErrorCodes.POOL_CLOSED);
        throw retryable ? new Error(failureMessage(error)) : new UnrecoverableError(failureMessage(error));
      }
    },
    {
      connection: queue.connection,
      concurrency: options.concurrency ?? Math.max(1, pool.listAgents().length),
      lockDuration: options.lockDurationMs ?? 30_000,
      stalledInterval: options.stalledIntervalMs ?? 30_000,
      maxStalledCount: 1,
    },
  );
  // A failed job is reported through Redis; the worker's own 'error' events (a lost connection) must not crash the process.
  worker.on('error', () => undefined);
  return {
    async ready() {
      await worker.waitUntilReady();
    },
    async metrics() {
      return { redisWaitMs: redisWait.summary(), depth: await queue.depth(), jobs: { ...jobs } };
    },
    async close() {
      await worker.close();
    },
  };
}
