import { Job, Queue, QueueEvents } from 'bullmq';
import { InvalidOptionError, QueueFullError } from '../errors.js';
import { DEFAULTS } from '../options.js';
import type { JobData, RedisConnection, RedisJobOptions, RedisQueueOptions, RedisTaskSnapshot } from './types.js';
import { failureOf } from './wire.js';

/** ioredis options from a redis:// URL or an options object (BullMQ needs maxRetriesPerRequest: null for its blocking reads). */
export function connectionOptions(connection: RedisConnection): Record<string, unknown> {
  if (typeof connection !== 'string') return { ...connection, maxRetriesPerRequest: null };
  const url = new URL(connection);
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new InvalidOptionError('connection', 'a redis:// URL or { host, port }', connection);
  return {
    host: url.hostname,
    port: url.port === '' ? 6379 : Number(url.port),
    ...(url.username === '' ? {} : { username: decodeURIComponent(url.username) }),
    ...(url.password === '' ? {} : { password: decodeURIComponent(url.password) }),
    ...(url.pathname.length > 1 ? { db: Number(url.pathname.slice(1)) } : {}),
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
  };
}

const STATUS: Record<string, RedisTaskSnapshot['status']> = {
  waiting: 'queued',
  prioritized: 'queued',
  delayed: 'queued',
  'waiting-children': 'queued',
  active: 'running',
  completed: 'completed',
  failed: 'failed',
};

/**
 * The producer's side of a durable queue on BullMQ: add() resolves once Redis
 * has the job, result() waits for its outcome (however long ago it was added,
 * by whichever process), getTask() reads its state. Any number of producers
 * and consumers may share one queue name.
 */
export class RedisTaskQueue {
  readonly name: string;
  readonly queueCapacity: number;
  readonly completedKept: number;
  readonly connection: Record<string, unknown>;
  readonly #queue: Queue<JobData>;
  #events: QueueEvents | undefined;

  constructor(options: RedisQueueOptions) {
    this.connection = connectionOptions(options.connection);
    this.name = options.name ?? 'daedalus';
    this.queueCapacity = options.queueCapacity ?? 10_000;
    this.completedKept = options.completedKept ?? 10_000;
    this.#queue = new Queue<JobData>(this.name, { connection: this.connection });
    // Each pending result() adds a listener here (BullMQ's waitUntilFinished): thousands may wait at once by design.
    this.#queue.setMaxListeners(0);
  }

  /**
   * Adds a job; resolves with its id once Redis holds it. QueueFullError when
   * `queueCapacity` jobs already wait: the count is read, then the job added,
   * so concurrent producers can overshoot the bound by their number at most.
   */
  async add(payload: unknown, options: RedisJobOptions = {}): Promise<string> {
    const waiting = await this.depth();
    if (waiting >= this.queueCapacity) throw new QueueFullError(waiting, this.queueCapacity, 1_000);
    const { jobId, attempts, ...task } = options;
    const priority = task.priority ?? DEFAULTS.priority;
    if (!Number.isInteger(priority) || priority < 1 || priority > 10) throw new InvalidOptionError('priority', 'an integer from 1 to 10', priority);
    const job = await this.#queue.add(task.type ?? 'general', { payload, options: task }, {
      priority,
      attempts: attempts ?? 1,
      ...(jobId === undefined ? {} : { jobId }),
      removeOnComplete: { count: this.completedKept },
      removeOnFail: { count: this.completedKept },
    });
    return job.id as string;
  }

  /** Jobs waiting for a consumer (prioritized and delayed included). */
  async depth(): Promise<number> {
    const counts = await this.#queue.getJobCounts('waiting', 'prioritized', 'delayed');
    return (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0);
  }

  /** The job's result once it completed; rejects with its coded error once it failed for good. */
  async result(id: string): Promise<unknown> {
    const job = await Job.fromId<JobData>(this.#queue, id);
    if (job === undefined) throw new InvalidOptionError('id', 'the id of a job this queue still keeps', id);
    // From the start of the event stream, not '$': with '$', an event written between the
    // connection being ready and its first read would be missed (a fast job's completion).
    if (this.#events === undefined) {
      this.#events = new QueueEvents(this.name, { connection: this.connection, lastEventId: '0-0' });
      this.#events.setMaxListeners(0); // two listeners per pending result(), as on the queue
    }
    await this.#events.waitUntilReady();
    try {
      return await job.waitUntilFinished(this.#events);
    } catch (error) {
      throw failureOf(error instanceof Error ? error.message : String(error));
    }
  }

  async getTask(id: string): Promise<RedisTaskSnapshot | undefined> {
    const job = await Job.fromId<JobData>(this.#queue, id);
    if (job === undefined) return undefined;
    const state = await job.getState();
    return {
      id,
      traceId: job.data.options.traceId,
      type: job.name,
      priority: job.opts.priority ?? DEFAULTS.priority,
      status: STATUS[state] ?? 'queued',
      attempts: job.attemptsStarted,
      agentId: undefined,
      failedAgentIds: [],
      queuedAt: job.timestamp,
      startedAt: job.processedOn ?? undefined,
      finishedAt: job.finishedOn ?? undefined,
      assignmentLatencyMs: job.processedOn === undefined ? undefined : job.processedOn - job.timestamp,
      error: state === 'failed' ? failureOf(job.failedReason) : undefined,
      parentId: undefined,
    };
  }

  /** Stops taking new jobs on this queue name, everywhere (consumers finish what they hold). */
  async pause(): Promise<void> {
    await this.#queue.pause();
  }

  async resume(): Promise<void> {
    await this.#queue.resume();
  }

  async close(): Promise<void> {
    await this.#events?.close();
    await this.#queue.close();
  }
}
