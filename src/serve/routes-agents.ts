import type { FastifyInstance } from 'fastify';
import type { CoordinationPool } from '../pool.js';
import { httpError } from './http-errors.js';
import { toJsonSafe } from './json.js';
import type { ServerState } from './state.js';

const ERROR = { $ref: 'error#' } as const;

/** The agents and the pool's size: listAgents(), spawnAgent(), failAgent(), resize(), close()/destroy(). */
export function agentRoutes(app: FastifyInstance, pool: CoordinationPool, state: ServerState): void {
  const fail = (reply: { code: (n: number) => { send: (b: unknown) => unknown } }, error: unknown): unknown => {
    const answer = httpError(error);
    return reply.code(answer.status).send(answer.body);
  };

  app.get('/agents', { schema: { summary: 'Every agent: role, status, current task, counts' } }, (_request, reply) => reply.send(toJsonSafe(pool.listAgents())));

  app.get<{ Querystring: { capability?: string } }>(
    '/agents/available',
    { schema: { summary: 'Idle agents, of roles that have the capability when one is given', querystring: { type: 'object', additionalProperties: false, properties: { capability: { type: 'string', minLength: 1 } } } } },
    (request, reply) => {
      const capability = request.query.capability;
      const roles = new Set(pool.listRoles().filter((r) => capability === undefined || r.capabilities.includes(capability) || (r.types ?? []).includes(capability)).map((r) => r.name));
      return reply.send(toJsonSafe(pool.listAgents().filter((a) => a.status === 'idle' && roles.has(a.role))));
    },
  );

  app.post<{ Body: { role?: string } | undefined }>(
    '/agents',
    { schema: { summary: 'Spawn an agent (of a role)', body: { type: ['object', 'null'], additionalProperties: false, properties: { role: { type: 'string', minLength: 1 } } }, response: { 400: ERROR, 429: ERROR } } },
    async (request, reply) => {
      try {
        const role = request.body?.role;
        return reply.code(201).send(toJsonSafe(await pool.spawnAgent(role === undefined ? {} : { role })));
      } catch (error) {
        return fail(reply, error);
      }
    },
  );

  app.post<{ Params: { id: number }; Body: { reason?: string } | undefined }>(
    '/agents/:id/fail',
    {
      schema: {
        summary: 'Declare an agent failed: it is terminated, its task fails over, it is replaced',
        params: { type: 'object', required: ['id'], properties: { id: { type: 'integer', minimum: 1 } } },
        body: { type: ['object', 'null'], additionalProperties: false, properties: { reason: { type: 'string' } } },
        response: { 404: ERROR },
      },
    },
    async (request, reply) => {
      if (!pool.listAgents().some((a) => a.agentId === request.params.id)) return reply.code(404).send({ code: 'ERR_NOT_FOUND', message: `no agent ${request.params.id}` });
      await pool.failAgent(request.params.id, request.body?.reason ?? 'failed over HTTP');
      return reply.code(202).send({ agentId: request.params.id, failed: true });
    },
  );

  app.post<{ Body: { size: number; role?: string } }>(
    '/pool/initialize',
    {
      schema: {
        summary: 'Resize the pool (or one role) to `size` agents',
        body: { type: 'object', required: ['size'], additionalProperties: false, properties: { size: { type: 'integer', minimum: 1 }, role: { type: 'string', minLength: 1 } } },
        response: { 400: ERROR },
      },
    },
    async (request, reply) => {
      try {
        const { size, role } = request.body;
        await pool.resize(size, role === undefined ? {} : { role });
        return reply.send(toJsonSafe({ size, agents: pool.listAgents() }));
      } catch (error) {
        return fail(reply, error);
      }
    },
  );

  app.delete<{ Querystring: { force?: boolean } }>(
    '/pool',
    { schema: { summary: 'Stop: drain (finish accepted work), or destroy at once with ?force=true', querystring: { type: 'object', additionalProperties: false, properties: { force: { type: 'boolean' } } } } },
    async (request, reply) => {
      const force = request.query.force === true;
      await reply.code(202).send({ stopping: true, force });
      state.shutdown(force);
    },
  );
}
