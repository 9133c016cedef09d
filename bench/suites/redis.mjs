// Through Redis (daedalus-pool/redis on BullMQ, daedalus only: the peers have no such queue):
// jobs/s from one producer through a real redis-server on loopback to 1 and to 2 consuming
// processes (each a 2-agent pool), and the round trip of one job at a time (add, then result)
// against the same no-op task run() on an in-process pool: what Redis adds. Needs redis-server
// (Debian's package); the case says so and fails when it is missing.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { contenders, figure } from '../lib/rounds.mjs';
import { startRedis } from '../../test/redis/redis-server.mjs';

const SUITE = 'redis';
const CONSUMER = fileURLToPath(new URL('../agents/redis-consumer.mjs', import.meta.url));
const AGENT = new URL('../agents/daedalus-agent.mjs', import.meta.url);
const NOOP = { i: 0, op: 'noop', args: [1, 2, 3] };

function startConsumer(url, name) {
  const child = spawn(process.execPath, [CONSUMER, url, name], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ready = new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => String(chunk).includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`redis consumer exited with ${code}`)));
  });
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  return { ready, stop };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p99 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.99))];

export function plan(ctx) {
  const jobs = ctx.quick ? 500 : 4_000;
  const trips = ctx.quick ? 50 : 300;
  return [
    {
      suite: SUITE,
      name: 'redis-jobs',
      description: `${jobs} no-op jobs added at once through redis-server on loopback, consumed by 1 then 2 processes (2 agents each); ${trips} one-at-a-time round trips against run() on an in-process 2-agent pool`,
      params: { jobs, trips, agentsPerConsumer: 2 },
      contenders: contenders(ctx, { peers: false }),
      figures: [
        figure('jobsPerSec1', 'jobs/s, 1 consumer', 'tasks/s', 'higher', (r) => r.jobsPerSec1, 0),
        figure('jobsPerSec2', 'jobs/s, 2 consumers', 'tasks/s', 'higher', (r) => r.jobsPerSec2, 0),
        figure('redisTripP50Us', 'round trip via Redis p50 (us)', 'us', 'lower', (r) => r.redisTripP50Us, 0),
        figure('redisTripP99Us', 'round trip via Redis p99 (us)', 'us', 'lower', (r) => r.redisTripP99Us, 0),
        figure('localTripP50Us', 'round trip in-process p50 (us)', 'us', 'lower', (r) => r.localTripP50Us, 0),
        figure('addedP50Us', 'added by Redis p50 (us)', 'us', 'lower', (r) => r.redisTripP50Us - r.localTripP50Us, 0),
      ],
      async unit(session, round) {
        const { RedisTaskQueue } = await import(new URL('../../dist/src/redis/index.js', import.meta.url).href);
        const { CoordinationPool } = await import(new URL('../../dist/src/index.js', import.meta.url).href);
        const redis = await session.guard(startRedis(), 'redis-server');
        const consumers = [];
        try {
          const throughput = async (count, name) => {
            const queue = new RedisTaskQueue({ connection: redis.url, name, queueCapacity: jobs * 2 });
            try {
              for (let c = 0; c < count; c++) consumers.push(startConsumer(redis.url, name));
              await session.guard(Promise.all(consumers.slice(-count).map((c) => c.ready)), 'consumers');
              // Warm-up: the consumers' pools and connections are up before the clock starts.
              await Promise.all(Array.from({ length: 50 }, async () => queue.result(await queue.add(NOOP, { type: 'noop' }))));
              const t0 = performance.now();
              const ids = await Promise.all(Array.from({ length: jobs }, () => queue.add(NOOP, { type: 'noop' })));
              await session.guard(Promise.all(ids.map((id) => queue.result(id))), `${count} consumer(s)`);
              return jobs / ((performance.now() - t0) / 1_000);
            } finally {
              await queue.close();
            }
          };
          const jobsPerSec1 = await throughput(1, `bench-${round}-one`);
          for (const c of consumers.splice(0)) await c.stop();
          const jobsPerSec2 = await throughput(2, `bench-${round}-two`);
          // One job at a time, through Redis (2 consumers still up) and in-process.
          const queue = new RedisTaskQueue({ connection: redis.url, name: `bench-${round}-two` });
          const redisTrips = [];
          for (let k = 0; k < trips; k++) {
            const t0 = performance.now();
            await queue.result(await queue.add(NOOP, { type: 'noop' }));
            redisTrips.push((performance.now() - t0) * 1_000);
          }
          await queue.close();
          const pool = new CoordinationPool({ agent: AGENT, size: 2 });
          await pool.ready();
          const localTrips = [];
          for (let k = 0; k < trips; k++) {
            const t0 = performance.now();
            await pool.run(NOOP, { type: 'noop' });
            localTrips.push((performance.now() - t0) * 1_000);
          }
          await pool.close();
          return { jobsPerSec1, jobsPerSec2, redisTripP50Us: median(redisTrips), redisTripP99Us: p99(redisTrips), localTripP50Us: median(localTrips) };
        } finally {
          for (const c of consumers.splice(0)) await c.stop();
          await redis.stop();
        }
      },
    },
  ];
}
