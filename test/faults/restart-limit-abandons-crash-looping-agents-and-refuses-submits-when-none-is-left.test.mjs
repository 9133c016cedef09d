/**
 * restart: { maxRestarts: 1, windowMs: 60 s } and a task that kills every agent
 * that runs it (a poison task, with attempts to spare). Expected: each agent
 * is restarted once, then abandoned at its second death (agentAbandoned, an
 * error log line, status 'abandoned'); the task fails over to the agent that
 * is left; once none is left the waiting task rejects with
 * AllAgentsAbandonedError (ERR_NO_AGENTS), as do new submits and ready();
 * spawnAgent() brings capacity back under a new id.
 */
import { expect, vi } from 'vitest';
import { AllAgentsAbandonedError, ErrorCodes, PoolEvents } from '../../dist/src/index.js';
import { poolTest } from '../fixtures/use-pool.mjs';
import { TEST_TIMEOUT_MS, agentsById, recordEvents, rejectionOf, thrownBy, waitForEvents } from '../helpers.mjs';

vi.setConfig({ testTimeout: TEST_TIMEOUT_MS, hookTimeout: TEST_TIMEOUT_MS });

const RESTART = { maxRestarts: 1, windowMs: 60_000 };
const SIZE = 2;

function errorLines() {
  const lines = [];
  const quiet = () => {};
  return { lines, logger: { debug: quiet, info: quiet, warn: quiet, error: (fields, msg) => lines.push({ fields, msg }) } };
}

poolTest('a poison task: each agent is abandoned after maxRestarts, the task fails over, then ERR_NO_AGENTS', async ({ usePool, counters }) => {
  const log = errorLines();
  const pool = await usePool({ size: SIZE, maxAttempts: 10, restart: RESTART, logger: log.logger, workerData: { counters: counters.sab } });
  const seen = recordEvents(pool, [PoolEvents.agentExited, PoolEvents.agentAbandoned, PoolEvents.taskStarted, PoolEvents.agentRestarted]);
  const bothAbandoned = waitForEvents(pool, PoolEvents.agentAbandoned, SIZE);

  const poison = pool.submit({ op: 'exit', exitCode: 7, key: 0 });
  const error = await rejectionOf(poison.result);
  const abandoned = await bothAbandoned;
  seen.stop();

  // Each agent: one death restarted, the second abandoned. Four deaths in all, four tries.
  expect(seen.events.agentExited).toHaveLength(2 * SIZE);
  expect(seen.events.agentRestarted).toHaveLength(SIZE);
  expect(counters.started(0)).toBe(2 * SIZE);
  expect(abandoned.map((e) => e.agentId).sort()).toEqual([1, 2]);
  for (const e of abandoned) {
    expect(e.generation).toBe(2);
    expect(e.restarts).toBe(RESTART.maxRestarts);
    expect(e.windowMs).toBe(RESTART.windowMs);
    expect(e.error.code).toBe(ErrorCodes.AGENT_CRASHED);
    expect(e.error.exitCode).toBe(7);
  }
  // Fail-over: the try after the first abandonment ran on the agent that was left.
  const [first, second] = abandoned;
  const lastTry = seen.events.taskStarted.at(-1);
  expect(lastTry.agentId).toBe(second.agentId);
  expect(lastTry.agentId).not.toBe(first.agentId);

  // The task was waiting for an agent when none was left: rejected, not left waiting.
  expect(error).toBeInstanceOf(AllAgentsAbandonedError);
  expect(error.code).toBe(ErrorCodes.NO_AGENTS);
  expect([...error.abandonedAgentIds].sort()).toEqual([1, 2]);
  expect(error.cause.code).toBe(ErrorCodes.AGENT_CRASHED);
  expect(pool.getTask(poison.id).status).toBe('failed');

  const agents = agentsById(pool);
  expect([...agents.values()].map((a) => a.status)).toEqual(['abandoned', 'abandoned']);
  expect(agents.get(1).restarts).toBe(RESTART.maxRestarts);
  expect(pool.metrics().agents).toMatchObject({ total: 2, abandoned: 2, idle: 0, restarting: 0, starting: 0 });
  const lines = log.lines.filter((l) => l.fields.event === 'agentAbandoned');
  expect(lines).toHaveLength(SIZE);
  expect(lines[0].msg).toMatch(/abandoned/);
  expect(lines[0].fields.err.code).toBe(ErrorCodes.AGENT_CRASHED);

  // None left: refused at once, with the code.
  expect(thrownBy(() => pool.submit({ op: 'echo' })).code).toBe(ErrorCodes.NO_AGENTS);
  expect((await rejectionOf(pool.run({ op: 'echo' }))).code).toBe(ErrorCodes.NO_AGENTS);
  expect((await rejectionOf(pool.ready())).code).toBe(ErrorCodes.NO_AGENTS);

  // spawnAgent() brings capacity back; the abandoned ids are not reused.
  const spawned = await pool.spawnAgent();
  expect(spawned.agentId).toBe(3);
  const value = await pool.run({ op: 'echo', value: 'back' });
  expect(value).toMatchObject({ value: 'back', agentId: 3 });
  await pool.ready();
  expect(pool.listAgents().map((a) => [a.agentId, a.status])).toEqual([[1, 'abandoned'], [2, 'abandoned'], [3, 'idle']]);
});

poolTest('without a restart option a crash loop is only backed off, never abandoned', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 1, maxAttempts: 4, workerData: { counters: counters.sab } });
  const seen = recordEvents(pool, [PoolEvents.agentAbandoned]);
  const restarts = waitForEvents(pool, PoolEvents.agentRestarted, 4);
  const error = await rejectionOf(pool.run({ op: 'exit', key: 0 }));
  expect(error.code).toBe(ErrorCodes.TASK_FAILED);
  await restarts;
  seen.stop();
  expect(seen.events.agentAbandoned).toEqual([]);
  expect(pool.listAgents()[0].status).not.toBe('abandoned');
  expect((await pool.run({ op: 'echo', value: 1 })).value).toBe(1);
});
