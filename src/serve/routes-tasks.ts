import type { FastifyInstance } from 'fastify';
import type { CoordinationPool } from '../pool.js';
import type { TaskOptions } from '../types.js';
import { httpError } from './http-errors.js';
import { toJsonSafe } from './json.js';
import type { ServerState } from './state.js';
import type { TaskStore } from './task-store.js';

const ERROR = { $ref: 'error#' } as const;
const ID_PARAMS = { type: 'object', required: ['id'], properties: { id: { type: 'integer', minimum: 1 } } } as const;

const SUBMIT_BODY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    type: { type: 'string', minLength: 1 },
    payload: {},
    priority: { type: 'integer', minimum: 1, maximum: 10 },
    traceId: { type: 'string', minLength: 1 },
    timeoutMs: { type: 'number', exclusiveMinimum: 0 },
    idempotent: { type: 'boolean' },
    role: { type: 'string', minLength: 1 },
    capabilities: { type: 'array', items: { type: 'string', minLength: 1 } },
  },
} as const;

interface SubmitBody {
  type?: string;
  payload?: unknown;
  priority?: number;
  traceId?: string;
  timeoutMs?: number;
  idempotent?: boolean;
  role?: string;
  capabilities?: string[];
}

/** POST /tasks, GET /tasks/{id}, POST /tasks/{id}/cancel: submit() and getTask() over HTTP. */
export function taskRoutes(app: FastifyInstance, pool: CoordinationPool, store: TaskStore, state: ServerState): void {
  app.post<{ Body: SubmitBody }>(
    '/tasks',
    {
      schema: {
        summary: 'Submit a task (the pool validates it as submit() does)',
        body: SUBMIT_BODY,
        response: { 202: { type: 'object', properties: { id: { type: 'integer' }, traceId: { type: 'string' } } }, 400: ERROR, 429: ERROR, 503: ERROR },
      },
    },
    async (request, reply) => {
      if (state.draining) return reply.code(503).send({ code: 'ERR_DRAINING', message: 'The server is draining: it finishes accepted work and takes no more' });
      const { payload, ...rest } = request.body;
      const controller = new AbortController();
      const options: TaskOptions = { ...rest, signal: controller.signal };
      try {
        const handle = pool.submit(payload, options);
        store.track(handle.id, controller, handle.result);
        return reply.code(202).send({ id: handle.id, traceId: handle.traceId });
      } catch (error) {
        const answer = httpError(error);
        if (answer.retryAfterMs !== undefined) reply.header('retry-after', String(Math.max(1, Math.ceil(answer.retryAfterMs / 1_000))));
        return reply.code(answer.status).send(answer.body);
      }
    },
  );

  app.get<{ Params: { id: number } }>(
    '/tasks/:id',
    { schema: { summary: "A task's snapshot, with its result or error once settled", params: ID_PARAMS, response: { 404: ERROR } } },
    async (request, reply) => {
      const snapshot = pool.getTask(request.params.id);
      if (snapshot === undefined) return reply.code(404).send({ code: 'ERR_NOT_FOUND', message: `no task ${request.params.id} (unknown, or no longer kept)` });
      const outcome = store.outcome(request.params.id);
      return reply.send(toJsonSafe({ ...snapshot, error: outcome?.error ?? snapshot.error, result: outcome?.ok === true ? outcome.result : undefined }));
    },
  );

  app.post<{ Params: { id: number } }>(
    '/tasks/:id/cancel',
    { schema: { summary: 'Abort a task submitted over HTTP that has not settled', params: ID_PARAMS, response: { 404: ERROR, 409: ERROR } } },
    async (request, reply) => {
      const id = request.params.id;
      if (pool.getTask(id) === undefined) return reply.code(404).send({ code: 'ERR_NOT_FOUND', message: `no task ${id}` });
      if (!store.cancel(id, 'cancelled over HTTP')) return reply.code(409).send({ code: 'ERR_SETTLED', message: `task ${id} already settled, or was not submitted over HTTP` });
      return reply.code(202).send({ id, cancelled: true });
    },
  );
}
