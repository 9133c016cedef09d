import { readFileSync } from 'node:fs';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import type { CoordinationPool } from '../pool.js';
import { MetricsCache } from './metrics-cache.js';
import { PoolPrometheus } from './prometheus.js';
import { agentRoutes } from './routes-agents.js';
import { observeRoutes } from './routes-observe.js';
import { taskRoutes } from './routes-tasks.js';
import type { ServerState } from './state.js';
import { TaskStore } from './task-store.js';

/** The dashboard's files, shipped in the package beside dist/ (no build step). */
const DASHBOARD_DIR = new URL('../../../dashboard/', import.meta.url);
const DASHBOARD = new Map([
  ['/', { name: 'index.html', type: 'text/html; charset=utf-8' }],
  ['/dashboard.js', { name: 'dashboard.js', type: 'text/javascript; charset=utf-8' }],
  ['/dashboard.css', { name: 'dashboard.css', type: 'text/css; charset=utf-8' }],
]);
/** Needs no token: liveness, and the dashboard's files (they hold no data; the page sends the token on each API call). */
const PUBLIC_PATHS = new Set(['/health', '/favicon.ico', ...DASHBOARD.keys()]);

export interface ServerOptions {
  pool: CoordinationPool;
  /** With a token, every route but /health and the dashboard's files needs `Authorization: Bearer <token>` (the event stream also takes ?token=). */
  token?: string | undefined;
  /** Largest request body, in bytes; larger is a 413. Default 1 MiB. */
  bodyLimit?: number;
  /** Settled HTTP tasks whose result GET /tasks/{id} keeps. Default 10,000. */
  resultsKept?: number;
  version: string;
  /** Called by DELETE /pool: the host drains (or, forced, destroys) and stops. */
  onShutdown: (force: boolean) => void;
  /** With a Redis queue consumed: its figures for GET /status (time jobs waited in Redis, depth there). */
  redisStatus?: () => Promise<unknown>;
}

export interface PoolServer {
  app: FastifyInstance;
  state: ServerState;
  store: TaskStore;
}

/**
 * The pool's HTTP API on Fastify: JSON schemas on every route (bad input is a
 * 400 whose coded body names the field), coded error bodies, a bearer token
 * when one is set, a body limit, and the OpenAPI document generated from the
 * route schemas (@fastify/swagger).
 */
export async function createServer(options: ServerOptions): Promise<PoolServer> {
  const { pool } = options;
  // forceCloseConnections: close() ends open event streams instead of waiting for their clients.
  const app = Fastify({ bodyLimit: options.bodyLimit ?? 1_048_576, logger: false, forceCloseConnections: true, ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false } } });
  const state: ServerState = {
    draining: false,
    startedAtMs: Date.now(),
    shutdown: (force) => options.onShutdown(force),
  };
  const store = new TaskStore(options.resultsKept ?? 10_000);
  app.addSchema({ $id: 'error', type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' } } });
  await app.register(swagger, { openapi: { info: { title: 'daedalus-pool', version: options.version } } });

  const token = options.token;
  if (token !== undefined) {
    app.addHook('onRequest', async (request, reply) => {
      const path = request.url.split('?', 1)[0] ?? '';
      if (PUBLIC_PATHS.has(path)) return;
      if (request.headers.authorization === `Bearer ${token}`) return;
      // An EventSource cannot set headers: the event stream may carry ?token= instead.
      if (path === '/events/stream' && (request.query as { token?: string }).token === token) return;
      await reply.code(401).send({ code: 'ERR_UNAUTHORIZED', message: 'this server needs Authorization: Bearer <token>' });
    });
  }

  app.setErrorHandler((error: FastifyError, _request, reply) => {
    if (error.validation !== undefined) {
      const first = error.validation[0];
      const params = (first?.params ?? {}) as { missingProperty?: string; additionalProperty?: string };
      const path = [error.validationContext, first?.instancePath.replace(/^\//, '').replace(/\//g, '.'), params.missingProperty ?? params.additionalProperty].filter((p) => p !== undefined && p !== '').join('.');
      return reply.code(400).send({ code: 'ERR_INVALID_OPTION', message: `${path}: ${first?.message ?? error.message}`, field: path });
    }
    if (error.statusCode === 413) return reply.code(413).send({ code: 'ERR_BODY_TOO_LARGE', message: error.message });
    if (error.statusCode !== undefined && error.statusCode < 500) return reply.code(error.statusCode).send({ code: error.code, message: error.message });
    return reply.code(500).send({ code: 'ERR_INTERNAL', message: error.message });
  });
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ code: 'ERR_NOT_FOUND', message: `no route ${request.method} ${request.url}` }));

  taskRoutes(app, pool, store, state);
  agentRoutes(app, pool, state);
  const metrics = new MetricsCache(pool);
  observeRoutes(app, pool, metrics, new PoolPrometheus(pool, metrics), state, options.version, options.redisStatus);
  app.get('/openapi.json', { schema: { hide: true } }, (_request, reply) => reply.send(app.swagger()));
  app.get('/favicon.ico', { schema: { hide: true } }, (_request, reply) => reply.code(204).send());
  for (const [path, file] of DASHBOARD) {
    const body = readFileSync(new URL(file.name, DASHBOARD_DIR));
    app.get(path, { schema: { hide: true } }, (_request, reply) => reply.type(file.type).send(body));
  }
  await app.ready();
  return { app, state, store };
}
