/**
 * The Redis-backed queue with a real redis-server on loopback (no mock): jobs
 * added here run in pools of two other processes; a consumer killed with
 * SIGKILL mid-job loses nothing; priorities, local failover and the 429 bound
 * hold; results outlive the producer. Waits are on BullMQ's own events and
 * the child processes' output, never on a timer.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { QueueEvents } from 'bullmq';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { CoordinationPool, QueueFullError } from '../../dist/src/index.js';
import { RedisTaskQueue, consume } from '../../dist/src/redis/index.js';
import { startRedis } from './redis-server.mjs';

vi.setConfig({ testTimeout: 90_000, hookTimeout: 60_000 });
const CONSUMER = fileURLToPath(new URL('./fixtures/consumer.mjs', import.meta.url));
const JOB_AGENT = new URL('./fixtures/job-agent.mjs', import.meta.url);

let redis;
const cleanups = [];
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  await redis?.stop();
});

let queues = 0;
function newQueue(options = {}) {
  const queue = new RedisTaskQueue({ connection: redis.url, name: `q${++queues}-${process.pid}`, ...options });
  cleanups.push(() => queue.close());
  return queue;
}

/** A consuming process; resolves once it says ready. */
async function startConsumer(queue, consumerName, options = {}) {
  const child = spawn(process.execPath, [CONSUMER, redis.url, queue.name, consumerName, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'inherit'] });
  cleanups.push(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  });
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => String(chunk).includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`consumer ${consumerName} exited with ${code}`)));
  });
  return child;
}

test('jobs added by this process run in pools of two other processes, and their results come back', async () => {
  // Forty result() waits at once are the intended use: no listener-leak warning for them.
  const warnings = [];
  const onWarning = (w) => warnings.push(w.name);
  process.on('warning', onWarning);
  cleanups.push(() => process.off('warning', onWarning));
  const queue = newQueue();
  await Promise.all([startConsumer(queue, 'c1'), startConsumer(queue, 'c2')]);
  const ids = await Promise.all(Array.from({ length: 40 }, (_, i) => queue.add({ value: i, ms: 50 }, { traceId: `job-${i}` })));
  const results = await Promise.all(ids.map((id) => queue.result(id)));
  await new Promise((resolve) => setImmediate(resolve)); // process warnings are emitted on the next tick
  expect(warnings).not.toContain('MaxListenersExceededWarning');
  expect(results.map((r) => r.value)).toEqual(Array.from({ length: 40 }, (_, i) => i));
  expect(new Set(results.map((r) => r.consumer))).toEqual(new Set(['c1', 'c2']));
  expect(results[3].traceId).toBe('job-3');
  const snapshot = await queue.getTask(ids[0]);
  expect(snapshot).toMatchObject({ id: ids[0], status: 'completed', type: 'general', traceId: 'job-0', attempts: 1, failedAgentIds: [], assignmentLatencyMs: expect.any(Number) });
  // The fields of the pool's own snapshot, so code can read either.
  expect(Object.keys(snapshot).sort()).toEqual(['agentId', 'assignmentLatencyMs', 'attempts', 'error', 'failedAgentIds', 'finishedAt', 'id', 'parentId', 'priority', 'queuedAt', 'startedAt', 'status', 'traceId', 'type']);
});

test('a consumer killed with SIGKILL mid-job loses nothing: its jobs run on the other; a non-idempotent one fails with ERR_REDELIVERED', async () => {
  const queue = newQueue();
  const events = new QueueEvents(queue.name, { connection: queue.connection });
  cleanups.push(() => events.close());
  await events.waitUntilReady();
  const fast = { lockDurationMs: 1_000, stalledIntervalMs: 500 };
  const victim = await startConsumer(queue, 'victim', { ...fast, concurrency: 2 });
  const active = new Promise((resolve) => {
    const seen = new Set();
    events.on('active', ({ jobId }) => {
      seen.add(jobId);
      if (seen.size === 2) resolve();
    });
  });
  const safe = await queue.add({ value: 'safe', ms: 3_000 });
  const once = await queue.add({ value: 'once', ms: 3_000 }, { idempotent: false });
  await active; // both held by the victim
  victim.kill('SIGKILL');
  await startConsumer(queue, 'survivor', fast);
  await expect(queue.result(safe)).resolves.toMatchObject({ value: 'safe', consumer: 'survivor' });
  const error = await queue.result(once).catch((e) => e);
  expect(error.code).toBe('ERR_REDELIVERED');
  expect((await queue.getTask(once)).status).toBe('failed');
});

test('priorities hold across Redis, and a local agent crash fails over inside the consuming pool', async () => {
  const queue = newQueue();
  await queue.pause();
  const low = await queue.add({ value: 'low' }, { priority: 9 });
  const high = await queue.add({ value: 'high' }, { priority: 1 });
  const crashy = await queue.add({ value: 'crashy', crashOnAttempt: 1 }, { priority: 5 });
  const pool = new CoordinationPool({ agent: JOB_AGENT, size: 2, workerData: { pid: process.pid, consumer: 'local' } });
  cleanups.push(() => pool.destroy());
  await pool.ready();
  const order = [];
  pool.on('taskStarted', (e) => order.push(e.traceId));
  const consumer = consume(pool, queue, { concurrency: 1 });
  cleanups.push(() => consumer.close());
  await queue.resume();
  await expect(queue.result(high)).resolves.toMatchObject({ value: 'high' });
  await expect(queue.result(crashy)).resolves.toMatchObject({ value: 'crashy', attempt: 2 });
  await expect(queue.result(low)).resolves.toMatchObject({ value: 'low' });
  expect(order[0]).toBe(`redis-${queue.name}-${high}`);
  expect(order.at(-1)).toBe(`redis-${queue.name}-${low}`);
  const m = await consumer.metrics();
  expect(m.jobs.completed).toBe(3);
  expect(m.redisWaitMs.count).toBe(3);
});

test('past queueCapacity waiting jobs add() rejects with QueueFullError; failures keep their code; results outlive the producer', async () => {
  const queue = newQueue({ queueCapacity: 2 });
  await queue.add({ value: 1 });
  const failing = await queue.add({ fail: true });
  await expect(queue.add({ value: 3 })).rejects.toBeInstanceOf(QueueFullError);
  await startConsumer(queue, 'c');
  const error = await queue.result(failing).catch((e) => e);
  expect(error.code).toBe('ERR_TASK_FAILED');
  expect(error.cause).toMatchObject({ code: 'E_JOB' });
  const id = await queue.add({ value: 'kept' });
  await queue.result(id);
  await queue.close();
  // A new producer, as after a restart, reads what the old one added.
  const later = new RedisTaskQueue({ connection: redis.url, name: queue.name });
  cleanups.push(() => later.close());
  await expect(later.result(id)).resolves.toMatchObject({ value: 'kept' });
  expect((await later.getTask(failing)).error.code).toBe('ERR_TASK_FAILED');
});
