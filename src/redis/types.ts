import type { TaskSnapshot } from '../types.js';

/** Where Redis is: a redis:// URL, or ioredis options ({ host, port, ... }). */
export type RedisConnection = string | { host?: string; port?: number; username?: string; password?: string; db?: number };

export interface RedisQueueOptions {
  connection: RedisConnection;
  /** The BullMQ queue name. Default 'daedalus'. */
  name?: string;
  /** Waiting jobs past which add() rejects with QueueFullError. Default 10,000. */
  queueCapacity?: number;
  /** Completed (and failed) jobs kept with their result. Default 10,000. */
  completedKept?: number;
}

/** A job's options: the task options that cross processes, plus BullMQ's own id and attempts. */
export interface RedisJobOptions {
  type?: string;
  /** 1 (highest) .. 10; default 5. */
  priority?: number;
  traceId?: string;
  timeoutMs?: number;
  /** false: never run twice, even after its consumer died mid-job (it fails with ERR_REDELIVERED instead). Default true. */
  idempotent?: boolean;
  role?: string;
  capabilities?: readonly string[];
  /** A caller's id: adding the same id twice adds one job. */
  jobId?: string;
  /** Runs of the whole job across consumers when it fails (each run has the local pool's own retries). Default 1. */
  attempts?: number;
}

/** What a job carries in Redis. */
export interface JobData {
  payload: unknown;
  options: Omit<RedisJobOptions, 'jobId' | 'attempts'>;
}

/**
 * A job's snapshot, with the fields of the pool's TaskSnapshot: what Redis
 * knows of the job. The agent that ran it is the consuming pool's business
 * (its getTask() shows it); here `agentId` is undefined and `failedAgentIds`
 * empty; `attempts` counts runs started by any consumer (a redelivery after a
 * crash counts), and `assignmentLatencyMs` runs from add() to a consumer
 * taking the job (the time it waited in Redis).
 */
export interface RedisTaskSnapshot extends Omit<TaskSnapshot, 'id' | 'agentId' | 'parentId' | 'traceId'> {
  id: string;
  traceId: string | undefined;
  agentId: undefined;
  parentId: undefined;
}
