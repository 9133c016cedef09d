/**
 * An agent can only settle its own task. A `result` message naming a slot
 * owned by another agent (with that slot's task id) must be ignored, or
 * treated as a protocol violation of the sender; it must never settle the
 * other agent's task. Today it is accepted: the task resolves with the forged
 * value while its real handler is still running.
 */
import { expect } from 'vitest';
import { PoolEvents } from '../../dist/src/index.js';
import { poolTest } from '../fixtures/use-pool.mjs';
import { waitForEvents, withTimeout } from '../helpers.mjs';
import { createSignals } from './fixtures/signals.mjs';

const AGENT = new URL('./fixtures/settlement-agent.mjs', import.meta.url);
const BOUND_MS = 10_000;

/** A pino-like logger that resolves `forged` when the forger's 'forged' line arrives. */
function watchingLogger() {
  let seen;
  const forged = new Promise((resolve) => (seen = resolve));
  const line = (fields, msg) => {
    if (msg === 'forged') seen(fields);
  };
  return { logger: { debug: line, info: line, warn: line, error: line }, forged };
}

poolTest("a result message for another agent's running task does not settle that task", async ({ usePool }) => {
  const signals = createSignals(4);
  const { logger, forged } = watchingLogger();
  const pool = await usePool({ agent: AGENT, size: 2, workerData: { signals: signals.sab }, logger });

  const victim = pool.submit({ op: 'gate', key: 0, value: 'genuine' });
  await signals.waitStarted(0);
  const victimAgent = signals.agentOf(0);

  // The other agent (the victim's is busy behind its gate) forges the victim's result.
  // The pool may ignore the forged message (then the forger's next message, its 'forged'
  // log line, arrives after it: one agent's messages arrive in order) or terminate the
  // forger for it (then the forger's agent exits): either says the forgery was handled.
  const forgerGone = waitForEvents(pool, PoolEvents.agentExited, 1, BOUND_MS, (e) => e.agentId !== victimAgent);
  forgerGone.catch(() => {});
  const forger = pool.submit({ op: 'forgeResult', key: 1, target: victim.id, forged: { value: 'forged' } });
  await signals.waitStarted(1);
  expect(signals.agentOf(1)).not.toBe(victimAgent);
  await withTimeout(Promise.race([forged, forgerGone]), BOUND_MS, "the forger's log line or its exit");

  expect(pool.getTask(victim.id).status, 'the victim is still running behind its gate').toBe('running');
  signals.openGate(0);
  const value = await withTimeout(victim.result, BOUND_MS, "the victim's task");
  expect(value).toMatchObject({ value: 'genuine', agentId: victimAgent, attempt: 1 });
  // The forger's own task settles too: completed before its agent was terminated, or, when
  // the termination came first, retried; a retry prefers another agent id, here the victim's,
  // which is free only once its gate is open (so this is awaited after, not before).
  await withTimeout(forger.result.catch(() => {}), BOUND_MS, "the forger's own task");
});
