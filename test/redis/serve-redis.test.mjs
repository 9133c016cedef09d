/**
 * daedalus serve with --redis: the served pool also runs the jobs of a Redis
 * queue (a real redis-server on loopback), GET /status shows that queue's
 * figures, and a drain stops taking jobs from it.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, expect, test } from 'vitest';
import { serve } from '../../dist/src/serve/index.js';
import { RedisTaskQueue } from '../../dist/src/redis/index.js';
import { startRedis } from './redis-server.mjs';

const JOB_AGENT = new URL('./fixtures/job-agent.mjs', import.meta.url);
const MAIN = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
const cleanups = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

test('a served pool consumes its Redis queue and reports it in /status', async () => {
  const redis = await startRedis();
  cleanups.push(() => redis.stop());
  const server = await serve({ pool: { agent: JOB_AGENT, size: 1, workerData: { pid: process.pid, consumer: 'served' } }, port: 0, version: 'test', redis: { url: redis.url, name: 'served' } });
  cleanups.push(() => server.stop(true));
  const queue = new RedisTaskQueue({ connection: redis.url, name: 'served' });
  cleanups.push(() => queue.close());
  const id = await queue.add({ value: 'via redis' });
  await expect(queue.result(id)).resolves.toMatchObject({ value: 'via redis', consumer: 'served' });
  const status = await (await fetch(`${server.url}/status`)).json();
  expect(status.redis).toMatchObject({ depth: 0, jobs: { completed: 1, failed: 0 }, redisWaitMs: { count: 1 } });
  await expect(server.stop()).resolves.toEqual({ forced: false, cancelled: 0 });
});

test('serve refuses --queue without --redis, and a --redis that is not a redis:// URL', async () => {
  const run = (args) => promisify(execFile)(process.execPath, [MAIN, 'serve', '--agent', fileURLToPath(JOB_AGENT), ...args]).catch((e) => e);
  const noRedis = await run(['--queue', 'q']);
  expect([noRedis.code, /--queue/.test(noRedis.stderr)]).toEqual([2, true]);
  const badUrl = await run(['--redis', 'http://127.0.0.1:6379']);
  expect([badUrl.code, /redis:\/\//.test(badUrl.stderr)]).toEqual([2, true]);
});

test('daedalus gate --redis runs the workload through a Redis queue and passes', async () => {
  const redis = await startRedis();
  cleanups.push(() => redis.stop());
  const { mkdtempSync, writeFileSync, readFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'daedalus-gate-redis-'));
  const workload = join(dir, 'workload.json');
  writeFileSync(workload, JSON.stringify({ tasks: [{ type: 'general', payload: { value: 1 } }], count: 200, concurrency: 20 }));
  const out = join(dir, 'report.json');
  const { stdout } = await promisify(execFile)(process.execPath, [MAIN, 'gate', '--workload', workload, '--redis', redis.url, '--out', out], { timeout: 60_000 });
  expect(stdout).toMatch(/PASS/);
  const report = JSON.parse(readFileSync(out, 'utf8'));
  expect(report.ok).toBe(true);
});
