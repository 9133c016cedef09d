/**
 * Roles: several agent modules in one pool. Where a task ran is read from the
 * agent itself (ctx.agentId) and matched against listAgents(), which names
 * each agent's role; nothing here looks at a clock.
 */
import { expect } from 'vitest';
import { ErrorCodes, InvalidOptionError, PoolEvents, UnknownTaskTypeError, UnmetCapabilityError } from '../../dist/src/index.js';
import { poolTest } from '../fixtures/use-pool.mjs';
import { recordEvents, waitForEvents } from '../helpers.mjs';

const ARCHITECT = new URL('../fixtures/roles/architect.mjs', import.meta.url);
const DEVELOPER = new URL('../fixtures/roles/developer.mjs', import.meta.url);
const GENERALIST = new URL('../fixtures/roles/generalist.mjs', import.meta.url);

const teamOptions = (extra = {}) => ({
  agents: {
    architect: { agent: ARCHITECT, size: 1, capabilities: ['spec'] },
    developer: { agent: DEVELOPER, size: 2, maxSize: 6, capabilities: ['code', 'test'] },
  },
  ...extra,
});

function rolesById(pool) {
  return new Map(pool.listAgents().map((a) => [a.agentId, a.role]));
}

poolTest('the architect delegates three parts with ctx.run; each runs on a developer and the result aggregates them', async ({ usePool }) => {
  const pool = await usePool(teamOptions());
  const roles = rolesById(pool);
  expect([...roles.values()].sort()).toEqual(['architect', 'developer', 'developer']);
  const handle = pool.submit({ parts: ['api', 'db', 'ui'] }, { type: 'spec', traceId: 'release-7' });
  const result = await handle.result;
  expect(roles.get(result.by.agentId)).toBe('architect');
  expect(result.parts.map((p) => p.part)).toEqual(['api', 'db', 'ui']);
  for (const part of result.parts) {
    expect(roles.get(part.agentId)).toBe('developer');
    // The subtask carries its parent's trace id and names its parent.
    expect(part.traceId).toBe('release-7');
    expect(pool.getTask(part.taskId)).toMatchObject({ parentId: handle.id, traceId: 'release-7', status: 'completed', agentId: part.agentId });
  }
});

poolTest("a developer that crashes mid-task fails over to the other developer, never to the architect", async ({ usePool }) => {
  const pool = await usePool(teamOptions());
  const roles = rolesById(pool);
  const exited = waitForEvents(pool, PoolEvents.agentExited, 1);
  const result = await pool.run({ parts: ['api', 'db', 'ui'], crash: 'db' }, { type: 'spec' });
  const [exit] = await exited;
  expect(exit.role).toBe('developer');
  const db = result.parts.find((p) => p.part === 'db');
  expect(db.attempt).toBe(2);
  expect(roles.get(db.agentId)).toBe('developer');
  const snapshot = pool.getTask(db.taskId);
  expect(snapshot.failedAgentIds).toEqual([exit.agentId]);
  expect(snapshot.agentId).not.toBe(exit.agentId);
  for (const part of result.parts) expect(roles.get(part.agentId)).toBe('developer');
});

poolTest('a task goes to the role whose module handles its type; role pins it; no handler anywhere is refused at submit', async ({ usePool }) => {
  const pool = await usePool(teamOptions());
  const roles = rolesById(pool);
  const tested = await pool.run({ part: 'x' }, { type: 'test' });
  expect(roles.get(tested.agentId)).toBe('developer');
  expect(() => pool.submit({}, { type: 'noSuchType' })).toThrow(UnknownTaskTypeError);
  // The architect module has no 'code' handler: pinned there, nobody could ever run it.
  expect(() => pool.submit({}, { type: 'code', role: 'architect' })).toThrow(UnknownTaskTypeError);
  expect(() => pool.submit({}, { type: 'code', role: 'tester' })).toThrow(InvalidOptionError);
  const refused = await pool.run({}, { type: 'askUnknown' });
  expect(refused).toEqual({ code: ErrorCodes.UNKNOWN_TASK_TYPE, name: 'UnknownTaskTypeError' });
});

poolTest('capabilities: tasks that need one run only on agents whose role has it, under load and across retries', async ({ usePool }) => {
  const pool = await usePool({
    agents: {
      coder: { agent: GENERALIST, size: 2, capabilities: ['code'] },
      writer: { agent: GENERALIST, size: 2, capabilities: ['prose'] },
    },
    queueCapacity: 500,
  });
  const roles = rolesById(pool);
  const needCode = Array.from({ length: 200 }, (_, i) => pool.run({ i, failOnAttempts: i % 10 === 0 ? 1 : 0 }, { capabilities: ['code'] }));
  const anyone = Array.from({ length: 200 }, (_, i) => pool.run({ i }));
  const coded = await Promise.all(needCode);
  for (const r of coded) expect(roles.get(r.agentId)).toBe('coder');
  // The retried ones did retry, and stayed with the capability.
  expect(coded.filter((r) => r.attempt === 2)).toHaveLength(20);
  // Unconstrained tasks may run on either role (which one takes them depends on who is free).
  const free = await Promise.all(anyone);
  for (const r of free) expect(['coder', 'writer']).toContain(roles.get(r.agentId));
  // A handler type counts as a capability of its role.
  await expect(pool.run({}, { capabilities: ['general', 'prose'] })).resolves.toMatchObject({ agentId: expect.any(Number) });
  let refused;
  try {
    pool.submit({}, { capabilities: ['code', 'prose'] });
  } catch (error) {
    refused = error;
  }
  expect(refused).toBeInstanceOf(UnmetCapabilityError);
  expect(refused.code).toBe('ERR_UNMET_CAPABILITY');
  expect(refused.missingByRole).toEqual({ coder: ['prose'], writer: ['code'] });
});

poolTest('agents, metrics and events carry the role; resize and spawnAgent act on one role', async ({ usePool }) => {
  const pool = await usePool(teamOptions());
  const events = recordEvents(pool, [PoolEvents.agentSpawned, PoolEvents.agentReady]);
  await pool.run({ part: 'a' }, { type: 'code' });
  const spawned = await pool.spawnAgent({ role: 'developer' });
  expect(spawned.role).toBe('developer');
  await pool.resize(4, { role: 'developer' });
  const m = pool.metrics();
  expect(m.byRole.developer.agents.total).toBe(4);
  expect(m.byRole.architect.agents.total).toBe(1);
  expect(m.byRole.developer.tasks.completed).toBe(1);
  expect(Object.values(m.byAgent).filter((a) => a.role === 'developer')).toHaveLength(4);
  events.stop();
  expect(events.events.agentReady.map((e) => e.role)).toEqual(['developer', 'developer']);
  // A pool of several roles must be told which one to grow; the role's maxSize bounds it.
  await expect(pool.resize(3)).rejects.toThrow(InvalidOptionError);
  await expect(pool.resize(7, { role: 'developer' })).rejects.toThrow(InvalidOptionError);
  await pool.resize(1, { role: 'developer' });
  expect(pool.listAgents().filter((a) => a.role === 'developer')).toHaveLength(1);
});

poolTest('a pool given only `agent` has one role named default', async ({ usePool }) => {
  const pool = await usePool({ agent: GENERALIST, size: 1 });
  expect(pool.listAgents().map((a) => a.role)).toEqual(['default']);
  await pool.run({}, { role: 'default' });
  expect(Object.keys(pool.metrics().byRole)).toEqual(['default']);
});

poolTest('a role whose agents are all abandoned refuses work only it could run; the other roles keep working', async ({ usePool }) => {
  const pool = await usePool({
    agents: {
      architect: { agent: ARCHITECT },
      developer: { agent: DEVELOPER, restart: { maxRestarts: 1, windowMs: 600_000 } },
    },
    maxAttempts: 5,
  });
  const abandoned = waitForEvents(pool, PoolEvents.agentAbandoned, 1);
  // Crashes its agent on every attempt: one restart is allowed, the second crash abandons it.
  const poison = pool.run({ part: 'x', crashOnAttempt: 99 }, { type: 'code' });
  const [event] = await abandoned;
  expect(event.role).toBe('developer');
  await expect(poison).rejects.toMatchObject({ code: ErrorCodes.NO_AGENTS });
  let refused;
  try {
    pool.submit({ part: 'y' }, { type: 'code' });
  } catch (error) {
    refused = error;
  }
  expect(refused?.code).toBe(ErrorCodes.NO_AGENTS);
  expect(pool.listAgents().find((a) => a.role === 'developer').status).toBe('abandoned');
  await expect(pool.run({}, { type: 'askUnknown' })).resolves.toMatchObject({ code: ErrorCodes.UNKNOWN_TASK_TYPE });
  // Capacity for the role comes back with a new agent of it.
  await pool.spawnAgent({ role: 'developer' });
  await expect(pool.run({ part: 'z' }, { type: 'code' })).resolves.toMatchObject({ part: 'z' });
});
