/**
 * Routing: a free agent picks up work at once, idle agents with history for a
 * task's type are preferred (affinity), affinity never leaves work waiting
 * while an eligible agent is idle, and a retried task never runs again on an
 * incarnation that failed it.
 *
 * Where a task ran is read from the agent itself (ctx.agentId, ctx.generation,
 * and tracking-agent's per-type count in ctx.memory), never from timing.
 */
import { expect } from 'vitest';
import { ErrorCodes, PoolEvents, TaskFailedError } from '../../dist/src/index.js';
import { poolTest } from '../fixtures/use-pool.mjs';
import { recordEvents, rejectionOf } from '../helpers.mjs';

const TRACKING_AGENT = new URL('../fixtures/tracking-agent.mjs', import.meta.url);

poolTest('a task submitted to an idle pool is picked up and completes', async ({ usePool, counters }) => {
  const pool = await usePool({ agent: TRACKING_AGENT, size: 4, workerData: { counters: counters.sab } });
  const value = await pool.run({ op: 'echo', value: 'first' });
  expect(value).toMatchObject({ value: 'first', attempt: 1 });
  // Agents that went back to sleep wake again for later work.
  for (let i = 0; i < 5; i++) expect((await pool.run({ op: 'echo', value: i })).value).toBe(i);
});

poolTest('every idle agent is woken: as many gated tasks as agents all run at the same time', async ({ usePool, counters }) => {
  const pool = await usePool({ agent: TRACKING_AGENT, size: 4, workerData: { counters: counters.sab } });
  const handles = [0, 1, 2, 3].map((key) => pool.submit({ op: 'echo', gate: 0, key }));
  // Each task waits on the gate inside its handler: all four can only have
  // started if four different agents picked them up.
  for (const key of [0, 1, 2, 3]) await counters.waitForStarted(key);
  expect(pool.metrics().agents.busy).toBe(4);
  counters.openGate(0);
  const values = await Promise.all(handles.map((h) => h.result));
  expect(new Set(values.map((v) => v.agentId)).size).toBe(4);
});

/** The rejection of a handle's result; fails after timeoutMs showing the task as `pool` has it then. */
function settlesWithin(pool, handle, timeoutMs) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`task ${handle.id} did not settle within ${timeoutMs} ms: ${JSON.stringify(pool.getTask(handle.id))}`)), timeoutMs);
  });
  return Promise.race([rejectionOf(handle.result), timeout]).finally(() => clearTimeout(timer));
}

/**
 * Warms exactly two agents on `type`: two gated tasks started at once must be
 * on two different agents. Returns their agent ids.
 */
async function warmTwo(pool, counters, type, keys) {
  const handles = keys.map((key) => pool.submit({ op: 'echo', gate: 1, key }, { type }));
  for (const key of keys) await counters.waitForStarted(key);
  counters.openGate(1);
  const values = await Promise.all(handles.map((h) => h.result));
  const warm = new Set(values.map((v) => v.agentId));
  expect(warm.size).toBe(2);
  return warm;
}

poolTest('affinity: with several agents idle, a type\'s tasks go to the agents that ran it before', async ({ usePool, counters }) => {
  // Make agents 3 and 4 (not the lowest ids, which a plain "first idle agent"
  // rule would pick) the only ones with research history: agents 1 and 2 are
  // held on gate 0 while the two new agents run gated research tasks.
  const pool = await usePool({ agent: TRACKING_AGENT, size: 2, workerData: { counters: counters.sab } });
  const holders = [0, 1].map((key) => pool.submit({ op: 'echo', gate: 0, key }));
  await counters.waitForStarted(0);
  await counters.waitForStarted(1);
  await pool.spawnAgent();
  await pool.spawnAgent();
  const warmers = [2, 3].map((key) => pool.submit({ op: 'echo', gate: 1, key }, { type: 'research' }));
  await counters.waitForStarted(2);
  await counters.waitForStarted(3);
  const warm = new Set(warmers.map((h) => pool.getTask(h.id).agentId));
  expect(warm).toEqual(new Set([3, 4]));
  counters.openGate(0);
  await Promise.all(holders.map((h) => h.result));
  counters.openGate(1);
  await Promise.all(warmers.map((h) => h.result));

  // One at a time, so the agents are idle at each submit: 20 picks among 4 idle
  // agents. Agents also take work from shared memory on their own, so an agent
  // still awake from its last task can occasionally win a pick it was not woken
  // for; once it has run the type it has history too. So the check is: at most
  // one pick may land on an agent that had never run the type (`typeSeen` is
  // the agent's own count). Without affinity each of the 2 cold agents is
  // missed by all 20 picks with a chance of 0.75^20 (0.3 %): both would
  // almost surely show up as history-less picks.
  const ran = [];
  for (let i = 0; i < 20; i++) ran.push(await pool.run({ op: 'echo', value: i }, { type: 'research' }));
  const withoutHistory = ran.filter((v) => v.typeSeen === 0);
  expect(withoutHistory.length).toBeLessThanOrEqual(1);
  for (const v of withoutHistory) expect(warm.has(v.agentId)).toBe(false);
  // Tasks that found the agent with history: the warm ones, or the one stray that joined them.
  expect(ran.filter((v) => warm.has(v.agentId) || withoutHistory.some((s) => s.agentId === v.agentId))).toHaveLength(20);
});

poolTest('affinity is only a preference: with every warm agent busy, an idle cold agent takes the task at once', async ({ usePool, counters }) => {
  const pool = await usePool({ agent: TRACKING_AGENT, size: 2, workerData: { counters: counters.sab } });
  // Both agents of a pool of two get research history.
  const warm = await warmTwo(pool, counters, 'research', [0, 1]);
  // Hold both busy (two gated tasks on two agents), then add a fresh agent with no history.
  const holders = [2, 3].map((key) => pool.submit({ op: 'echo', gate: 2, key }));
  await counters.waitForStarted(2);
  await counters.waitForStarted(3);
  const fresh = await pool.spawnAgent();
  expect(warm.has(fresh.agentId)).toBe(false);

  // Gate 2 stays closed until this one is done: it must not wait for a warm agent.
  const value = await pool.run({ op: 'echo', value: 'cold is fine' }, { type: 'research' });
  expect(value).toMatchObject({ value: 'cold is fine', agentId: fresh.agentId, typeSeen: 0 });
  expect(counters.finished(2) + counters.finished(3)).toBe(0);
  counters.openGate(2);
  await Promise.all(holders.map((h) => h.result));
});

poolTest('a task whose agent crashed is retried on another agent, never on the incarnation that failed it', async ({ usePool, counters }) => {
  const pool = await usePool({ agent: TRACKING_AGENT, size: 4, workerData: { counters: counters.sab } });
  const seen = recordEvents(pool, [PoolEvents.taskRetried]);
  const handle = pool.submit({ op: 'exit', exitCode: 3, faultOnAttempts: 1, value: 'survived' });
  const value = await handle.result;
  seen.stop();
  const snap = pool.getTask(handle.id);
  expect(value).toMatchObject({ value: 'survived', attempt: 2 });
  expect(snap).toMatchObject({ status: 'completed', attempts: 2 });
  expect(snap.failedAgentIds).toHaveLength(1);
  expect(value.agentId).not.toBe(snap.failedAgentIds[0]);
  expect(seen.events.taskRetried).toHaveLength(1);
  expect(seen.events.taskRetried[0]).toMatchObject({ taskId: handle.id, fromAgentId: snap.failedAgentIds[0] });
  expect(seen.events.taskRetried[0].error.code).toBe(ErrorCodes.AGENT_CRASHED);
});

poolTest('in a pool of one, a crashed task is retried on the replacement incarnation, not the dead one', async ({ usePool, counters }) => {
  const pool = await usePool({ agent: TRACKING_AGENT, size: 1, workerData: { counters: counters.sab } });
  const [before] = pool.listAgents();
  const value = await pool.run({ op: 'exit', exitCode: 1, faultOnAttempts: 1, value: 'next life' });
  expect(value).toMatchObject({ value: 'next life', attempt: 2, agentId: before.agentId, generation: before.generation + 1 });
});

poolTest('retryable handler errors: each try runs on an incarnation that has not failed the task', async ({ usePool, counters }) => {
  const pool = await usePool({ agent: TRACKING_AGENT, size: 4, workerData: { counters: counters.sab } });
  const error = await rejectionOf(pool.run({ op: 'throw', retryable: true, code: 'E_AGAIN' }));
  expect(error).toBeInstanceOf(TaskFailedError);
  expect(error.attempts).toHaveLength(3);
  const incarnations = error.attempts.map((a) => `${a.agentId}:${a.generation}`);
  expect(new Set(incarnations).size).toBe(3);
});

poolTest('retryable handler errors in a pool smaller than maxAttempts: the task still settles, never twice on one incarnation', async ({ usePool, counters }) => {
  // Two agents, three attempts allowed: after both incarnations failed the task
  // no allowed agent is left. An accepted task always reaches a terminal state,
  // and a retry never runs on an incarnation that already failed it.
  const pool = await usePool({ agent: TRACKING_AGENT, size: 2, maxAttempts: 3, workerData: { counters: counters.sab } });
  const handle = pool.submit({ op: 'throw', retryable: true, code: 'E_AGAIN' });
  const error = await settlesWithin(pool, handle, 5_000);
  expect(error).toBeInstanceOf(TaskFailedError);
  expect(error.code).toBe(ErrorCodes.TASK_FAILED);
  const incarnations = error.attempts.map((a) => `${a.agentId}:${a.generation}`);
  expect(new Set(incarnations).size).toBe(incarnations.length);
  expect(pool.getTask(handle.id).status).toBe('failed');
});
