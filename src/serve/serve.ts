import { InvalidOptionError } from '../errors.js';
import { CoordinationPool } from '../pool.js';
import type { PoolOptions } from '../types.js';
import type { RedisConsumer } from '../redis/consumer.js';
import { createServer } from './server.js';

export interface ServeOptions {
  pool: PoolOptions;
  /** Default 127.0.0.1. Any other address needs a token. */
  host?: string;
  /** Default 7070; 0 picks a free port. */
  port?: number;
  token?: string | undefined;
  bodyLimit?: number;
  /** How long a drain may take before what is left is cancelled. Default 30,000. */
  shutdownTimeoutMs?: number;
  version: string;
  /** One line per lifecycle step (listening, draining, stopped). */
  log?: (line: string) => void;
  /** Also consume this Redis queue (daedalus-pool/redis): jobs added there run on this server's pool. */
  redis?: { url: string; name?: string } | undefined;
}

export interface ShutdownReport {
  forced: boolean;
  /** Accepted tasks that had not settled when the pool was destroyed (each rejected with PoolClosedError). */
  cancelled: number;
}

export interface RunningServer {
  url: string;
  pool: CoordinationPool;
  /** Drain (finish accepted work, refuse new with 503) within shutdownTimeoutMs, then force; or force at once. */
  stop(force?: boolean): Promise<ShutdownReport>;
  /** Settles once the server has stopped, however it was asked to. */
  readonly stopped: Promise<ShutdownReport>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

async function consumeRedis(pool: CoordinationPool, redis: { url: string; name?: string }): Promise<{ consumer: RedisConsumer; close: () => Promise<void> }> {
  const { RedisTaskQueue, consume } = await import('../redis/index.js');
  const queue = new RedisTaskQueue({ connection: redis.url, ...(redis.name === undefined ? {} : { name: redis.name }) });
  const consumer = consume(pool, queue);
  return {
    consumer,
    async close() {
      await consumer.close();
      await queue.close();
    },
  };
}

/** Hosts one CoordinationPool behind the HTTP API until stop(), DELETE /pool or (in the CLI) a signal. */
export async function serve(options: ServeOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host) && options.token === undefined) throw new InvalidOptionError('token', `a token: the server binds ${host}, which is not loopback`, undefined);
  const log = options.log ?? (() => undefined);
  const pool = new CoordinationPool(options.pool);
  await pool.ready();
  let stopping: Promise<ShutdownReport> | undefined;
  let markStopped!: (report: ShutdownReport) => void;
  const stopped = new Promise<ShutdownReport>((resolve) => (markStopped = resolve));
  // Loaded only when asked: BullMQ stays out of a server that does not use Redis.
  const redis = options.redis === undefined ? undefined : await consumeRedis(pool, options.redis);
  const { app, state } = await createServer({
    pool,
    token: options.token,
    bodyLimit: options.bodyLimit,
    version: options.version,
    onShutdown: (force) => void stop(force),
    ...(redis === undefined ? {} : { redisStatus: () => redis.consumer.metrics() }),
  });

  async function shutdown(force: boolean): Promise<ShutdownReport> {
    state.draining = true;
    // Take no more jobs from Redis; the ones held finish with the drain (forced: their locks lapse and another consumer takes them).
    if (redis !== undefined) {
      if (force) void redis.close();
      else await redis.close();
    }
    let forced = force;
    if (!force) {
      log(`draining: ${pool.metrics().tasks.pending} accepted task(s) to finish, new tasks get 503`);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), options.shutdownTimeoutMs ?? 30_000)));
      forced = await Promise.race([pool.onIdle().then(() => false), timedOut]);
      clearTimeout(timer);
    }
    const cancelled = pool.metrics().tasks.pending;
    if (forced) await pool.destroy();
    else await pool.close();
    await app.close();
    const report = { forced, cancelled };
    log(`stopped${forced ? ' (forced)' : ''}: ${cancelled} accepted task(s) cancelled`);
    markStopped(report);
    return report;
  }

  function stop(force = false): Promise<ShutdownReport> {
    // A forced stop overtakes a drain in progress.
    if (stopping !== undefined && !force) return stopping;
    stopping = shutdown(force);
    return stopping;
  }

  const address = await app.listen({ host, port: options.port ?? 7070 });
  log(`listening on ${address} (${pool.listAgents().length} agents)`);
  return { url: address, pool, stop, stopped };
}
