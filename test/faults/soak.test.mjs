/**
 * FAULTS row 22: soak under a seeded random mix of faults.
 *   3% exit mid-task, 1% uncaught throw in a timer, 0.5% infinite loop (hang),
 *   0.2% out of memory, 5% retryable throw (all transient: they fault on the
 *   first attempt only), 2% aborted by the caller at a random moment.
 * Expected: every task settles exactly once; a task ran more than once only
 * where a started attempt's agent died (or it threw `retryable: true`); one
 * agent death per crashing fault (plus one per hang the watchdog declares on a
 * starved machine, which also explains that task's retry); heap growth small;
 * no handles left after destroy().
 *
 * SOAK_TASKS (default 2,000) sets the size; SOAK_SEED replays a schedule. A
 * failure message starts with the seed.
 */
import { afterEach, expect, test, vi } from 'vitest';
import { CoordinationPool, ErrorCodes, PoolEvents } from '../../dist/src/index.js';
import { FAULT_AGENT, TEST_TIMEOUT_MS, WAIT_MS, activeResources, collectionWatcher, createCounters, exposeGc, prng, recordEvents, resourcesLeftOver, settleTracker } from '../helpers.mjs';

const TASKS = Number(process.env.SOAK_TASKS ?? 2_000);
const SEED = Number(process.env.SOAK_SEED ?? Math.floor(Math.random() * 2 ** 31));
const SIZE = 4;
const MAX_IN_FLIGHT = 200;
const RETRYABLE_CODE = 'E_SOAK_RETRY';
// A ceiling only, generous for a starved CI machine: a lost task fails much sooner (STALL_MS).
const SOAK_TIMEOUT_MS = 120_000 + TASKS * 150;
// No progress for this long means a task was lost: fail with the pending tasks named, before the test times out.
const STALL_MS = WAIT_MS;
// Measured after destroy() with the test's own bookkeeping released: the pool should keep
// nothing, so what remains is noise (code caches, lazily built internals), not per-task data.
const HEAP_GROWTH_LIMIT_BYTES = 8 * 1024 * 1024;

const gc = exposeGc();

vi.setConfig({ hookTimeout: TEST_TIMEOUT_MS });

let pool;
afterEach(async () => {
  await pool?.destroy();
  pool = undefined;
});

const CRASHES = new Set(['exit', 'throwInTimer', 'spin', 'oom']);

/** The seeded schedule: what each task does. */
function schedule(seed, tasks) {
  const random = prng(seed);
  const plan = [];
  for (let key = 0; key < tasks; key++) {
    const r = random();
    let payload;
    let abort;
    if (r < 0.03) payload = { op: 'exit', exitCode: 1 + Math.floor(random() * 100), faultOnAttempts: 1 };
    else if (r < 0.04) payload = { op: 'throwInTimer', when: 'during', code: 'E_SOAK_TIMER', faultOnAttempts: 1 };
    else if (r < 0.045) payload = { op: 'spin', faultOnAttempts: 1 };
    else if (r < 0.047) payload = { op: 'oom', faultOnAttempts: 1 };
    else if (r < 0.097) payload = { op: 'throw', retryable: true, code: RETRYABLE_CODE, faultOnAttempts: 1 };
    else if (r < 0.117) {
      // Aborted tasks honour their signal, so an abort never costs an agent.
      payload = { op: 'sleep', ms: 5 + Math.floor(random() * 30), honourAbort: true };
      abort = ['now', 'turns', 'started'][Math.floor(random() * 3)];
    } else if (r < 0.3) payload = { op: 'sleep', ms: Math.floor(random() * 3) };
    else payload = { op: 'echo' };
    plan.push({ key, payload: { ...payload, key, value: key }, abort, turns: Math.floor(random() * 20) });
  }
  return plan;
}

async function heapAfterGc() {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

/**
 * Runs the soak; returns only plain findings, so once it returns nothing of the
 * pool or of the test's bookkeeping is reachable from the caller.
 */
async function runSoak(plan, pools) {
  const counters = createCounters(TASKS);
  pool = new CoordinationPool({
    agent: FAULT_AGENT,
    size: SIZE,
    queueCapacity: 2 * MAX_IN_FLIGHT,
    maxAttempts: 3,
    hangTimeoutMs: 2_000,
    heartbeatIntervalMs: 100,
    cancelGraceMs: 1_000,
    resourceLimits: { maxOldGenerationSizeMb: 32 },
    workerData: { counters: counters.sab },
  });
  pools.watch(pool);
  await pool.ready();
  const tracker = settleTracker(pool, PoolEvents);
  const seen = recordEvents(pool, [PoolEvents.taskRetried, PoolEvents.agentExited, PoolEvents.agentHung, PoolEvents.agentError]);
  const abortProblems = [];
  const aborters = [];
  const ids = new Map(); // key -> task id
  const reasons = new Map(); // key -> abort reason

  // Submit with back-pressure: never more than MAX_IN_FLIGHT unsettled tasks.
  for (const entry of plan) {
    if (tracker.size - tracker.settled >= MAX_IN_FLIGHT) await tracker.settledAtLeast(tracker.size - MAX_IN_FLIGHT + 1, STALL_MS);
    const controller = entry.abort === undefined ? undefined : new AbortController();
    const handle = tracker.track(pool.submit(entry.payload, controller ? { signal: controller.signal } : undefined), { key: entry.key });
    ids.set(entry.key, handle.id);
    if (controller === undefined) continue;
    const reason = { soakAbort: entry.key };
    reasons.set(entry.key, reason);
    if (entry.abort === 'now') controller.abort(reason);
    else if (entry.abort === 'turns') {
      aborters.push(
        (async () => {
          for (let i = 0; i < entry.turns; i++) await new Promise((resolve) => setImmediate(resolve));
          controller.abort(reason);
        })(),
      );
    } else {
      aborters.push(
        counters.waitForStarted(entry.key, 1, 120_000).then(
          () => controller.abort(reason),
          (error) => abortProblems.push(`${entry.key}: ${error.message}`),
        ),
      );
    }
  }
  await tracker.allSettled(STALL_MS);
  await Promise.all(aborters);
  seen.stop();

  // --- every task settled exactly once, with the outcome its schedule allows ---
  const problems = [...tracker.check(), ...abortProblems];
  const opOfTask = new Map(plan.map((e) => [ids.get(e.key), e.payload.op]));
  const retriesByTask = new Map();
  for (const e of seen.events.taskRetried) retriesByTask.set(e.taskId, [...(retriesByTask.get(e.taskId) ?? []), e]);
  const hungTasks = new Set(seen.events.agentHung.map((e) => e.taskId));
  // The error a task's first retry must carry, by fault. An out-of-memory agent thrashing in GC, or any
  // agent on a starved machine, is silent and may be declared hung before it dies: AGENT_HUNG is fine there.
  const firstRetryCodes = {
    exit: [ErrorCodes.AGENT_CRASHED, ErrorCodes.AGENT_HUNG],
    throwInTimer: [ErrorCodes.AGENT_CRASHED, ErrorCodes.AGENT_HUNG],
    oom: [ErrorCodes.AGENT_CRASHED, ErrorCodes.AGENT_HUNG],
    spin: [ErrorCodes.AGENT_HUNG],
    throw: [RETRYABLE_CODE],
  };
  let crashingFaults = 0;
  for (const entry of plan) {
    const id = ids.get(entry.key);
    const t = tracker.tasks.get(id);
    const { key, payload } = entry;
    const started = counters.started(key);
    const retries = retriesByTask.get(id) ?? [];
    const faulty = payload.faultOnAttempts === 1;
    if (faulty && CRASHES.has(payload.op)) crashingFaults++;
    // A task runs again only after a started attempt's agent died, or after it threw retryable.
    if (started > 0 && started - 1 !== retries.length) problems.push(`${key} (${payload.op}): started ${started} times but retried ${retries.length} times`);
    for (const [i, r] of retries.entries()) {
      if (faulty && i === 0) {
        if (!firstRetryCodes[payload.op].includes(r.error.code)) problems.push(`${key} (${payload.op}): first retry after ${r.error.code}`);
        continue;
      }
      // Any other retry: only a hang declared while this task ran (the agent was silent) can explain it.
      // A crash pinned on a task that does not crash would be a lost or misattributed task.
      if (!(r.error.code === ErrorCodes.AGENT_HUNG && hungTasks.has(id))) problems.push(`${key} (${payload.op}): retry ${i + 1} after ${r.error.code}`);
    }
    if (faulty && retries.length === 0) problems.push(`${key} (${payload.op}): faulted but never retried`);
    if (t.fulfilled === 1 && (t.value.value !== key || t.value.attempt !== started)) problems.push(`${key} (${payload.op}): value ${t.value.value} from attempt ${t.value.attempt}, started ${started}`);
    if (entry.abort !== undefined) {
      if (t.rejected === 1 && !(t.error.code === ErrorCodes.ABORTED && t.error.cause === reasons.get(key))) problems.push(`${key}: aborted task rejected with ${t.error.code}`);
      continue;
    }
    if (t.fulfilled !== 1) problems.push(`${key} (${payload.op}): rejected with ${t.error?.code} / ${t.error?.cause?.code}`);
  }
  // One agent death per crashing fault, plus one per hang declared on a task that does not crash.
  const hangsOnOthers = seen.events.agentHung.filter((e) => !CRASHES.has(opOfTask.get(e.taskId))).length;
  if (seen.events.agentExited.length !== crashingFaults + hangsOnOthers) {
    const reasons = {};
    for (const e of seen.events.agentExited) reasons[`${e.reason}/${e.exitCode}`] = (reasons[`${e.reason}/${e.exitCode}`] ?? 0) + 1;
    problems.push(`${seen.events.agentExited.length} agent exits for ${crashingFaults} crashing faults and ${hangsOnOthers} other hangs; by reason/code: ${JSON.stringify(reasons)}`);
    for (const e of seen.events.agentExited.filter((x) => x.reason !== 'crashed' && x.reason !== 'hung')) {
      const errors = seen.events.agentError.filter((x) => x.agentId === e.agentId && x.generation === e.generation).map((x) => `${x.error?.code} ${x.error?.message}`);
      problems.push(`exit ${JSON.stringify(e)} with agent errors ${JSON.stringify(errors)}`);
    }
  }
  // Every infinite loop is caught as a hang, exactly once.
  const spins = plan.filter((e) => e.payload.op === 'spin').length;
  const hungSpins = seen.events.agentHung.filter((e) => opOfTask.get(e.taskId) === 'spin').length;
  if (hungSpins !== spins) problems.push(`${hungSpins} hangs for ${spins} spinning tasks`);

  const submitted = pool.metrics().tasks.submitted;
  const settled = tracker.settled;
  await pool.destroy();
  tracker.stop();
  pool = undefined;
  return { problems, submitted, settled };
}

test(`soak: ${TASKS} tasks under a seeded fault mix settle exactly once`, async ({ onTestFailed }) => {
  const label = `seed ${SEED} (replay: SOAK_SEED=${SEED} SOAK_TASKS=${TASKS})`;
  // Also covers failures that no assertion message carries (a timeout, an unexpected throw).
  onTestFailed(() => console.error(`soak failed with ${label}`));
  const baselineResources = activeResources();
  const heapBefore = await heapAfterGc();
  const pools = collectionWatcher(gc);

  const { problems, submitted, settled } = await runSoak(schedule(SEED, TASKS), pools);
  expect(problems.slice(0, 20), `${label}: ${problems.length} problem(s)`).toEqual([]);
  expect(submitted, label).toBe(TASKS);
  expect(settled, label).toBe(TASKS);

  // --- nothing left behind after destroy() ---
  expect(await resourcesLeftOver(baselineResources), label).toEqual({});
  // Nothing holds on to the destroyed pool (no timer, listener or global cache keeps it).
  expect(await pools.collect(), `${label}: the destroyed pool is never collected`).toBe(0);
  const heapGrowth = (await heapAfterGc()) - heapBefore;
  expect(heapGrowth, `${label}: heap grew ${heapGrowth} bytes`).toBeLessThan(HEAP_GROWTH_LIMIT_BYTES);
}, SOAK_TIMEOUT_MS);
