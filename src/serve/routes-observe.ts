import type { FastifyInstance } from 'fastify';
import { PoolEvents, type PoolEventName } from '../events.js';
import type { CoordinationPool } from '../pool.js';
import { toJsonSafe } from './json.js';
import type { MetricsCache } from './metrics-cache.js';
import type { PoolPrometheus } from './prometheus.js';
import type { ServerState } from './state.js';

const LIMIT = { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 0, maximum: 100_000 } } } as const;

/** Metrics (JSON and Prometheus), bottlenecks, isolation report, events (recent and live), health and status. */
export function observeRoutes(app: FastifyInstance, pool: CoordinationPool, metrics: MetricsCache, prometheus: PoolPrometheus, state: ServerState, version: string, redisStatus?: () => Promise<unknown>): void {
  app.get('/metrics', { schema: { summary: 'metrics() as JSON (at most 250 ms old); the Prometheus exposition with Accept: text/plain' } }, async (request, reply) => {
    if ((request.headers.accept ?? '').includes('text/plain')) return reply.type(prometheus.contentType).send(await prometheus.metrics());
    return toJsonSafe(metrics.get());
  });
  app.get('/metrics/prometheus', { schema: { summary: 'The Prometheus exposition (prom-client)' } }, async (_request, reply) => {
    const text = await prometheus.metrics();
    return reply.type(prometheus.contentType).send(text);
  });
  app.get<{ Querystring: { limit?: number } }>('/bottlenecks', { schema: { summary: 'The slowest tasks of the window and per-type percentiles', querystring: LIMIT } }, (request, reply) =>
    reply.send(toJsonSafe(pool.bottlenecks(request.query.limit === undefined ? {} : { limit: request.query.limit }))),
  );
  app.get('/isolation-report', { schema: { summary: 'Probes every agent isolate and reports what it can see' } }, async () => toJsonSafe(await pool.isolationReport()));
  app.get<{ Querystring: { limit?: number } }>('/events', { schema: { summary: 'The last events, oldest first', querystring: LIMIT } }, (request, reply) =>
    reply.send(toJsonSafe(pool.recentEvents(request.query.limit === undefined ? {} : { limit: request.query.limit }))),
  );

  app.get('/events/stream', { schema: { summary: 'Every event as it happens (server-sent events)' } }, (request, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.write(': daedalus events\n\n');
    let seq = 0;
    const listeners = (Object.values(PoolEvents) as PoolEventName[]).map((name) => {
      const listener = (payload: unknown): void => {
        res.write(`id: ${++seq}\nevent: ${name}\ndata: ${JSON.stringify(toJsonSafe({ at: Date.now(), payload }))}\n\n`);
      };
      pool.on(name, listener);
      return [name, listener] as const;
    });
    request.raw.on('close', () => {
      for (const [name, listener] of listeners) pool.off(name, listener);
    });
  });

  app.get('/health', { schema: { summary: 'Liveness: 200 while the server runs (no token needed)' } }, (_request, reply) => reply.send({ ok: true, draining: state.draining }));

  app.get('/status', { schema: { summary: 'Agents, queue, tasks and the SLO verdict at a glance (and the Redis queue consumed, if any)' } }, async (_request, reply) => {
    const m = metrics.get();
    const redis = redisStatus === undefined ? undefined : await redisStatus();
    return reply.send(toJsonSafe({
      ...(redis === undefined ? {} : { redis }), version, state: state.draining ? 'draining' : 'running', uptimeMs: Date.now() - state.startedAtMs, agents: m.agents, roles: m.byRole, queue: m.queue, tasks: m.tasks, slo: m.slo, flows: m.flows }));
  });
}
