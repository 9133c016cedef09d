/**
 * isolationReport(): the probe passes on a normal pool and fails on one that
 * leaks. The leaky fixture (../fixtures/leaky-agent.mjs) relays every canary
 * planted in an agent's ctx.memory to the other agents over a
 * BroadcastChannel; they copy what they hear into an enumerable global.
 */
import { expect } from 'vitest';
import { poolTest } from '../fixtures/use-pool.mjs';
import { FAULT_AGENT } from '../helpers.mjs';

const LEAKY_AGENT = new URL('../fixtures/leaky-agent.mjs', import.meta.url);
const CHECKS = ['probe-sees-own-canary', 'probe-replies-genuine', 'distinct-thread-ids', 'distinct-context-ids', 'distinct-memory-ids', 'no-cross-talk'];
/** Says how payloads travel; with the default 'shared' payloads it is informational and not counted in `ok`. */
const PAYLOAD_CHECK = 'payloads-private';

const checksByName = (report) => Object.fromEntries(report.checks.map((c) => [c.name, c]));

poolTest('a normal pool of 3 agents is reported isolated, with per-agent ids, heap figures and limits', async ({ usePool, counters }) => {
  const pool = await usePool({ agent: FAULT_AGENT, size: 3, workerData: { counters: counters.sab }, resourceLimits: { maxOldGenerationSizeMb: 64 } });
  const report = await pool.isolationReport();
  expect(report.ok).toBe(true);
  expect(report.payloads).toBe('shared');
  expect(report.checks.map((c) => c.name).sort()).toEqual([...CHECKS, PAYLOAD_CHECK].sort());
  for (const c of report.checks) {
    if (c.name === PAYLOAD_CHECK) expect(c).toMatchObject({ ok: false, informational: true });
    else expect(c.ok, c.name).toBe(true);
    expect(typeof c.detail).toBe('string');
  }
  expect(report.agents.map((a) => a.agentId).sort()).toEqual([1, 2, 3]);
  const listed = new Map(pool.listAgents().map((a) => [a.agentId, a]));
  for (const a of report.agents) {
    expect(a.ownCanaryVisible).toBe(true);
    expect(a.canariesSeen).toEqual([]);
    expect(a.generation).toBe(listed.get(a.agentId).generation);
    expect(a.threadId).toBe(listed.get(a.agentId).threadId);
    expect(a.contextId).toBe(listed.get(a.agentId).contextId);
    expect(typeof a.memoryId).toBe('string');
    expect(a.heapUsedBytes).toBeGreaterThan(0);
    expect(a.heapTotalBytes).toBeGreaterThanOrEqual(a.heapUsedBytes);
    expect(a.heapLimitBytes).toBeGreaterThan(a.heapTotalBytes);
    expect(a.resourceLimits).toMatchObject({ maxOldGenerationSizeMb: 64 });
  }
  for (const key of ['threadId', 'contextId', 'memoryId']) expect(new Set(report.agents.map((a) => a[key])).size).toBe(3);
});

poolTest('the probe can be run again: a second report on the same pool is still ok', async ({ usePool, counters }) => {
  const pool = await usePool({ agent: FAULT_AGENT, size: 3, workerData: { counters: counters.sab } });
  expect((await pool.isolationReport()).ok).toBe(true);
  const second = await pool.isolationReport();
  expect(second.ok).toBe(true);
  for (const a of second.agents) expect(a.canariesSeen).toEqual([]);
});

poolTest('agents that relay canaries to each other make the report come back ok: false', async ({ usePool }) => {
  const pool = await usePool({ agent: LEAKY_AGENT, size: 3 });
  const report = await pool.isolationReport();
  expect(report.ok).toBe(false);
  const checks = checksByName(report);
  expect(checks['no-cross-talk'].ok).toBe(false);
  // Only the cross-talk check fails: ids are distinct and every agent finds its own canary.
  for (const name of CHECKS.filter((n) => n !== 'no-cross-talk')) expect(checks[name].ok, name).toBe(true);
  const leaking = report.agents.filter((a) => a.canariesSeen.length > 0);
  // Each agent hears the others over the channel, but a message may arrive after
  // the probe has looked: at least one agent must have been caught.
  expect(leaking.length).toBeGreaterThan(0);
  for (const a of report.agents) {
    expect(a.ownCanaryVisible).toBe(true);
    for (const canary of a.canariesSeen) {
      // canary-<agentId>-<uuid>, planted by another agent
      const planter = Number(/^canary-(\d+)-/.exec(canary)?.[1]);
      expect(report.agents.map((x) => x.agentId)).toContain(planter);
      expect(planter).not.toBe(a.agentId);
    }
  }
});

poolTest('every relayed canary reaches the other agents: the leak is real, not an artefact of the report', async ({ usePool }) => {
  const pool = await usePool({ agent: LEAKY_AGENT, size: 2 });
  const report = await pool.isolationReport();
  expect(report.ok).toBe(false);
  // What each agent overheard, asked through a task (whichever agent runs it).
  const heard = await pool.run(null, { type: 'heard' });
  expect(heard.length).toBeGreaterThan(0);
  expect(heard.every((c) => /^canary-\d+-/.test(c))).toBe(true);
});

poolTest('a leaky agent alone has nobody to leak to: the report is ok', async ({ usePool }) => {
  const pool = await usePool({ agent: LEAKY_AGENT, size: 1 });
  const report = await pool.isolationReport();
  expect(report.ok).toBe(true);
  expect(report.agents).toHaveLength(1);
  expect(report.agents[0].ownCanaryVisible).toBe(true);
  expect(report.agents[0].canariesSeen).toEqual([]);
});
