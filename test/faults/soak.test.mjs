/**
 * Soak: thousands of tasks under a seeded random mix of faults and chaos.
 *   Agent faults: 3% exit mid-task, 1% uncaught throw in a timer, 0.5% infinite
 *   loop (hang), 0.2% out of memory, 5% retryable throw (all transient: they
 *   fault on the first attempt only), 0.5% non-retryable throw (fails for good),
 *   2% aborted by the caller at a random moment.
 *   Hostile agents (1%): the handler posts one off-protocol message through
 *   parentPort on its first attempt (unknown kind, a 'result' with error: null,
 *   a 'log' with an unknown level, a result naming a slot it does not own, ...;
 *   see ../fixtures/chaos-agent.mjs), then waits to be terminated.
 *   Hostile callers: 1% of submits carry a bad transfer list (a typed-array
 *   view, a plain object after a good buffer, the same buffer twice, a detached
 *   buffer, not an array). 1% of tasks have a throwing taskQueued listener, 1%
 *   a throwing taskCompleted one, half the non-retryable ones a throwing
 *   taskFailed one; 20% of agentReady events meet a throwing listener; the
 *   pino-like logger throws on 2% of its lines (30% of the lines agents write).
 *   The values thrown are Errors, strings, or objects whose toString() throws.
 *   Resizes: before 1% of submits, a burst of 1 to 3 unawaited resize() calls
 *   (sizes 1 to MAX_SIZE). 10% of payloads carry 12 KB of bytes, more than a
 *   slot holds, so they go through the spill area.
 * Expected: every accepted task settles exactly once; a refused submit throws
 * ERR_INVALID_OPTION synchronously, with nothing counted or moved; a task ran
 * more than once only where a started attempt's agent died (or it threw
 * `retryable: true`), an agent terminated for breaking the protocol counting
 * as dead for every outcome still unread in its completion ring; one agent
 * death per crashing or hostile fault (plus one per hang the watchdog declares
 * on a starved machine, which also explains that task's retry); a hostile
 * agent's task fails over with AGENT_CRASHED caused by ERR_PROTOCOL_VIOLATION;
 * nothing reaches the process's uncaughtException or unhandledRejection
 * handlers, and the pool's only warnings are ERR_LISTENER_THREW and
 * ERR_LOGGER_THREW; every resize call resolves (a superseded grow may reject
 * because the agent it added was retired), and once idle the pool has exactly
 * the size asked last, all of them able to run a task at once, and no spill
 * chunk is still held; heap growth
 * small; no handles left after destroy().
 *
 * SOAK_TASKS (default 2,000) sets the size; SOAK_SEED replays a schedule. A
 * failure message starts with the seed.
 */
import { afterEach, expect, test, vi } from 'vitest';
import { CoordinationPool, ErrorCodes, InvalidOptionError, PoolEvents } from '../../dist/src/index.js';
import { HOSTILE_OPS } from '../fixtures/chaos-agent.mjs';
import {
  TEST_TIMEOUT_MS,
  WAIT_MS,
  activeResources,
  collectionWatcher,
  createCounters,
  exposeGc,
  prng,
  recordEvents,
  resourcesLeftOver,
  settleTracker,
  waitForAllIdle,
  withTimeout,
} from '../helpers.mjs';

const CHAOS_AGENT = new URL('../fixtures/chaos-agent.mjs', import.meta.url);
const TASKS = Number(process.env.SOAK_TASKS ?? 2_000);
const SEED = Number(process.env.SOAK_SEED ?? Math.floor(Math.random() * 2 ** 31));
const SIZE = 4;
const MAX_SIZE = 6;
const MAX_IN_FLIGHT = 200;
const RETRYABLE_CODE = 'E_SOAK_RETRY';
const FAIL_CODE = 'E_SOAK_FAIL';
// A ceiling only, generous for a starved CI machine: a lost task fails much sooner (STALL_MS).
const SOAK_TIMEOUT_MS = 120_000 + TASKS * 150;
// No progress for this long means a task was lost: fail with the pending tasks named, before the test times out.
const STALL_MS = WAIT_MS;
// Once every task settled and the last resize resolved, retiring agents only have to exit.
const IDLE_MS = 20_000;
// Measured after destroy() with the test's own bookkeeping released: the pool should keep
// nothing, so what remains is noise (code caches, lazily built internals), not per-task data.
const HEAP_GROWTH_LIMIT_BYTES = 8 * 1024 * 1024;
// Chaos in the caller's own code: how often it throws.
const AGENT_READY_THROW_RATE = 0.2;
const LOGGER_THROW_RATE = 0.02;
const AGENT_LINE_THROW_RATE = 0.3;
// What the pool may warn about: user callbacks that threw (contained, reported once each).
const CALLBACK_WARNINGS = new Set(['ERR_LISTENER_THREW', 'ERR_LOGGER_THREW']);
const BAD_TRANSFERS = ['view', 'plainObject', 'sameBufferTwice', 'detached', 'notAnArray'];
// Tasks whose payload is larger than a slot's inline bytes (4 KiB by default).
const BULK_RATE = 0.1;
const BULK_BYTES = 12_000;

const gc = exposeGc();

vi.setConfig({ hookTimeout: TEST_TIMEOUT_MS });

let pool;
afterEach(async () => {
  await pool?.destroy();
  pool = undefined;
});

// Ops whose agent dies on the first attempt (hostile agents are terminated by the pool).
const CRASHES = new Set(['exit', 'throwInTimer', 'spin', 'oom', ...HOSTILE_OPS]);
const HOSTILE = new Set(HOSTILE_OPS);

/** The seeded schedule: what each task does, and what the caller does around it. */
function schedule(seed, tasks) {
  const random = prng(seed);
  const plan = [];
  const pick = (list) => list[Math.floor(random() * list.length)];
  for (let key = 0; key < tasks; key++) {
    const r = random();
    let payload;
    let abort;
    let refuse;
    if (r < 0.03) payload = { op: 'exit', exitCode: 1 + Math.floor(random() * 100), faultOnAttempts: 1 };
    else if (r < 0.04) payload = { op: 'throwInTimer', when: 'during', code: 'E_SOAK_TIMER', faultOnAttempts: 1 };
    else if (r < 0.045) payload = { op: 'spin', faultOnAttempts: 1 };
    else if (r < 0.047) payload = { op: 'oom', faultOnAttempts: 1 };
    else if (r < 0.097) payload = { op: 'throw', retryable: true, code: RETRYABLE_CODE, faultOnAttempts: 1 };
    else if (r < 0.102) payload = { op: 'throw', retryable: false, code: FAIL_CODE };
    else if (r < 0.122) {
      // Aborted tasks honour their signal, so an abort never costs an agent.
      payload = { op: 'sleep', ms: 5 + Math.floor(random() * 30), honourAbort: true };
      abort = pick(['now', 'turns', 'started']);
    } else if (r < 0.132) payload = { op: pick(HOSTILE_OPS), faultOnAttempts: 1 };
    else if (r < 0.142) {
      payload = { op: 'echo' };
      refuse = pick(BAD_TRANSFERS);
    } else if (r < 0.3) payload = { op: 'sleep', ms: Math.floor(random() * 3) };
    else payload = { op: 'echo' };
    const t = random();
    let throwIn = t < 0.01 ? PoolEvents.taskQueued : t < 0.02 ? PoolEvents.taskCompleted : undefined;
    if (payload.code === FAIL_CODE && random() < 0.5) throwIn = PoolEvents.taskFailed;
    if (refuse !== undefined) throwIn = undefined;
    const log = random() < 0.02;
    const resizes = random() < 0.01 ? Array.from({ length: 1 + Math.floor(random() * 3) }, () => 1 + Math.floor(random() * MAX_SIZE)) : [];
    // Some payloads are larger than a slot: they live in the spill area, which must give every chunk back.
    const bulk = random() < BULK_RATE ? { bulk: new Uint8Array(BULK_BYTES).fill(key & 0xff) } : {};
    plan.push({ key, payload: { ...payload, key, value: key, ...bulk, ...(log ? { log } : {}) }, abort, refuse, throwIn, resizes, turns: Math.floor(random() * 20) });
  }
  return plan;
}

/** A number in [0, 1) fixed by the seed and the parts: the same event always gets the same draw. */
function draw(seed, ...parts) {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  const text = parts.join('|');
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return prng(h)();
}

/** Throws an Error, a string, or an object whose toString() throws itself, by `which` in [0, 1). */
function throwSomething(which, what) {
  if (which < 0.6) throw new Error(`soak chaos: ${what} threw`);
  if (which < 0.8) throw `soak chaos: ${what} threw a string`;
  const hostile = {
    toString() {
      throw hostile;
    },
  };
  throw hostile;
}

/** A pino-like logger that throws on some lines (the same lines for a seed); counts what it saw. */
function chaosLogger(seed, stats) {
  const method = (level) => (fields, msg) => {
    stats.lines++;
    const rate = msg === 'chaos line' ? AGENT_LINE_THROW_RATE : LOGGER_THROW_RATE;
    const p = draw(seed, 'logger', level, msg, fields?.event, fields?.taskId, fields?.agentId, fields?.generation, fields?.attempt, fields?.key);
    if (p >= rate) return;
    stats.threw++;
    throwSomething(p / rate, `logger.${level}()`);
  };
  return { debug: method('debug'), info: method('info'), warn: method('warn'), error: method('error') };
}

/** A transfer list submit() must refuse, and the buffers in it that must stay with the caller. */
function badTransfer(kind) {
  switch (kind) {
    case 'view': {
      const view = new Uint8Array(8);
      return { transfer: [view], intact: [view.buffer] };
    }
    case 'plainObject': {
      const buffer = new ArrayBuffer(8);
      return { transfer: [buffer, {}], intact: [buffer] };
    }
    case 'sameBufferTwice': {
      const buffer = new ArrayBuffer(8);
      return { transfer: [buffer, buffer], intact: [buffer] };
    }
    case 'detached': {
      const buffer = new ArrayBuffer(8);
      const gone = new ArrayBuffer(8);
      structuredClone(gone, { transfer: [gone] });
      return { transfer: [buffer, gone], intact: [buffer] };
    }
    case 'notAnArray': {
      const buffer = new ArrayBuffer(8);
      return { transfer: buffer, intact: [buffer] };
    }
  }
  throw new Error(`unknown bad transfer ${kind}`);
}

/** Records what reaches the process's last-resort handlers and its warnings while the soak runs. */
function watchProcess() {
  const escaped = [];
  const warnings = [];
  const describe = (value) => {
    try {
      return value instanceof Error ? (value.stack ?? value.message) : String(value);
    } catch {
      return Object.prototype.toString.call(value);
    }
  };
  const handlers = {
    uncaughtException: (error) => escaped.push(`uncaughtException: ${describe(error)}`),
    unhandledRejection: (reason) => escaped.push(`unhandledRejection: ${describe(reason)}`),
    warning: (warning) => warnings.push({ name: warning.name, code: warning.code, message: warning.message }),
  };
  for (const [name, fn] of Object.entries(handlers)) process.on(name, fn);
  return {
    escaped,
    warnings,
    stop() {
      for (const [name, fn] of Object.entries(handlers)) process.off(name, fn);
    },
  };
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
async function runSoak(seed, plan, pools, progress) {
  const counters = createCounters(TASKS);
  const loggerStats = { lines: 0, threw: 0 };
  const thrown = { listeners: 0 };
  pool = new CoordinationPool({
    agent: CHAOS_AGENT,
    size: SIZE,
    maxSize: MAX_SIZE,
    queueCapacity: 2 * MAX_IN_FLIGHT,
    maxAttempts: 3,
    hangTimeoutMs: 2_000,
    heartbeatIntervalMs: 100,
    cancelGraceMs: 1_000,
    resourceLimits: { maxOldGenerationSizeMb: 32 },
    workerData: { counters: counters.sab },
    logger: chaosLogger(seed, loggerStats),
  });
  pools.watch(pool);

  // Throwing listeners, added before the tracker's: the tracker must still see every event.
  let submitting; // the plan entry being submitted (taskQueued is emitted inside submit())
  const entryOfTask = new Map(); // task id -> plan entry
  const throwFor = (entry, name) => {
    if (entry?.throwIn !== name) return;
    thrown.listeners++;
    throwSomething(draw(seed, 'listener', entry.key), `a ${name} listener`);
  };
  pool.on(PoolEvents.taskQueued, () => throwFor(submitting, PoolEvents.taskQueued));
  pool.on(PoolEvents.taskCompleted, (e) => throwFor(entryOfTask.get(e.taskId), PoolEvents.taskCompleted));
  pool.on(PoolEvents.taskFailed, (e) => throwFor(entryOfTask.get(e.taskId), PoolEvents.taskFailed));
  pool.on(PoolEvents.agentReady, (e) => {
    const p = draw(seed, 'agentReady', e.agentId, e.generation);
    if (p >= AGENT_READY_THROW_RATE) return;
    thrown.listeners++;
    throwSomething(p / AGENT_READY_THROW_RATE, 'an agentReady listener');
  });

  progress.phase = 'ready()';
  await withTimeout(pool.ready(), STALL_MS, 'pool.ready()');
  const tracker = settleTracker(pool, PoolEvents);
  const seen = recordEvents(pool, [PoolEvents.taskRetried, PoolEvents.agentExited, PoolEvents.agentHung, PoolEvents.agentError]);
  // The size asked last: the number of agents that stay (resize() retires or adds before its first await).
  let requestedSize = SIZE;
  const sizeAtFailure = new Map(); // task id -> requestedSize when it failed
  const onFailed = (e) => sizeAtFailure.set(e.taskId, requestedSize);
  pool.on(PoolEvents.taskFailed, onFailed);
  const problems = [];
  const abortProblems = [];
  const aborters = [];
  const ids = new Map(); // key -> task id, for accepted tasks
  const reasons = new Map(); // key -> abort reason
  const resizes = [];
  let refused = 0;
  let peakAgents = 0;

  // Submit with back-pressure: never more than MAX_IN_FLIGHT unsettled tasks.
  progress.phase = 'submitting';
  for (const entry of plan) {
    progress.key = entry.key;
    if (tracker.size - tracker.settled >= MAX_IN_FLIGHT) await tracker.settledAtLeast(tracker.size - MAX_IN_FLIGHT + 1, STALL_MS);
    for (const size of entry.resizes) {
      requestedSize = size;
      const call = { size, beforeKey: entry.key, outcome: 'pending', error: undefined };
      call.done = pool.resize(size).then(
        () => (call.outcome = 'fulfilled'),
        (error) => {
          call.outcome = 'rejected';
          call.error = error;
        },
      );
      resizes.push(call);
      peakAgents = Math.max(peakAgents, pool.listAgents().length);
    }
    if (entry.refuse !== undefined) {
      refused++;
      const { transfer, intact } = badTransfer(entry.refuse);
      const before = pool.metrics().tasks;
      let handle;
      let error;
      try {
        handle = pool.submit({ ...entry.payload, buffer: intact[0] }, { transfer });
      } catch (e) {
        error = e;
      }
      const after = pool.metrics().tasks;
      const what = `${entry.key} (bad transfer: ${entry.refuse})`;
      if (handle !== undefined) {
        problems.push(`${what}: accepted as task ${handle.id}`);
        tracker.track(handle, { key: entry.key, refuse: entry.refuse });
      } else if (!(error instanceof InvalidOptionError) || error.code !== ErrorCodes.INVALID_OPTION || !/^transfer(\[\d+\])?$/.test(error.option)) {
        problems.push(`${what}: submit threw ${error?.name} ${error?.code} option ${error?.option}: ${error?.message}`);
      }
      if (after.submitted !== before.submitted || after.pending !== before.pending) problems.push(`${what}: counted (submitted ${before.submitted} -> ${after.submitted}, pending ${before.pending} -> ${after.pending})`);
      if (intact.some((b) => b.byteLength === 0)) problems.push(`${what}: a buffer of the refused list was detached`);
      continue;
    }
    const controller = entry.abort === undefined ? undefined : new AbortController();
    let handle;
    submitting = entry;
    try {
      handle = pool.submit(entry.payload, controller ? { signal: controller.signal } : undefined);
    } catch (error) {
      problems.push(`${entry.key} (${entry.payload.op}, throwIn ${entry.throwIn}): submit threw ${error?.code}: ${error?.message}`);
      continue;
    } finally {
      submitting = undefined;
    }
    entryOfTask.set(handle.id, entry);
    tracker.track(handle, { key: entry.key });
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
  progress.phase = 'waiting for every task to settle';
  await tracker.allSettled(STALL_MS);
  progress.phase = 'waiting for the aborters';
  await Promise.all(aborters);
  seen.stop();
  pool.off(PoolEvents.taskFailed, onFailed);

  // --- every accepted task settled exactly once, with the outcome its schedule allows ---
  problems.push(...tracker.check(), ...abortProblems);
  const opOfTask = new Map(plan.filter((e) => ids.has(e.key)).map((e) => [ids.get(e.key), e.payload.op]));
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
    ...Object.fromEntries(HOSTILE_OPS.map((op) => [op, [ErrorCodes.AGENT_CRASHED, ErrorCodes.AGENT_HUNG]])),
  };
  let crashingFaults = 0;
  let rerunAfterViolation = 0;
  for (const entry of plan) {
    const { key, payload } = entry;
    const started = counters.started(key);
    if (entry.refuse !== undefined) {
      if (started !== 0) problems.push(`${key} (bad transfer: ${entry.refuse}): refused, yet its handler started ${started} times`);
      continue;
    }
    const id = ids.get(key);
    if (id === undefined) continue; // submit threw: already a problem
    const t = tracker.tasks.get(id);
    const retries = retriesByTask.get(id) ?? [];
    const faulty = payload.faultOnAttempts === 1;
    if (faulty && CRASHES.has(payload.op)) crashingFaults++;
    // A retryable task in a pool of one agent: its retry may not go back to the agent it failed
    // on, so the pool fails it (TASK_FAILED, cause the retryable error) after announcing the retry.
    const failedAlone =
      payload.code === RETRYABLE_CODE &&
      t.rejected === 1 &&
      sizeAtFailure.get(id) === 1 &&
      t.error?.code === ErrorCodes.TASK_FAILED &&
      t.error.cause?.code === RETRYABLE_CODE &&
      started === 1 &&
      retries.length === 1;
    if (failedAlone) continue;
    // A task runs again only after a started attempt's agent died, or after it threw retryable.
    if (started > 0 && started - 1 !== retries.length) problems.push(`${key} (${payload.op}): started ${started} times but retried ${retries.length} times`);
    for (const [i, r] of retries.entries()) {
      // An agent terminated for breaking the protocol is not trusted with what it published before:
      // tasks it finished (or failed retryably) whose outcomes were still unread in its completion
      // ring run again, with that agent's violation as the cause.
      const afterViolation = r.error.code === ErrorCodes.AGENT_CRASHED && r.error.cause?.code === 'ERR_PROTOCOL_VIOLATION';
      if (faulty && i === 0 && HOSTILE.has(payload.op)) {
        // A hostile agent is terminated for its message: the crash says so.
        if (!firstRetryCodes[payload.op].includes(r.error.code)) problems.push(`${key} (${payload.op}): first retry after ${r.error.code}`);
        else if (r.error.code === ErrorCodes.AGENT_CRASHED && !afterViolation) {
          problems.push(`${key} (${payload.op}): retried after a crash caused by ${r.error.cause?.code} ${r.error.cause?.message}, not a protocol violation`);
        }
        continue;
      }
      // (Not a crashing fault's own first try: that one killed its own agent, it published nothing.)
      if (afterViolation && (i > 0 || !CRASHES.has(payload.op))) {
        rerunAfterViolation++;
        continue;
      }
      if (faulty && i === 0) {
        if (!firstRetryCodes[payload.op].includes(r.error.code)) problems.push(`${key} (${payload.op}): first retry after ${r.error.code}`);
        continue;
      }
      // Any other retry: only a hang declared while this task ran (the agent was silent) can explain it.
      // A crash pinned on a task that does not crash would be a lost or misattributed task.
      if (!(r.error.code === ErrorCodes.AGENT_HUNG && hungTasks.has(id))) {
        problems.push(`${key} (${payload.op}): retry ${i + 1} after ${r.error.code} on agent ${r.fromAgentId} (cause ${r.error.cause?.code}: ${r.error.cause?.message})`);
      }
    }
    if (faulty && retries.length === 0) problems.push(`${key} (${payload.op}): faulted but never retried`);
    if (t.fulfilled === 1 && (t.value?.value !== key || t.value?.attempt !== started)) problems.push(`${key} (${payload.op}): value ${JSON.stringify(t.value)} from attempt ${t.value?.attempt}, started ${started}`);
    if (entry.abort !== undefined) {
      if (t.rejected === 1 && !(t.error.code === ErrorCodes.ABORTED && t.error.cause === reasons.get(key))) problems.push(`${key}: aborted task rejected with ${t.error.code}`);
      continue;
    }
    if (payload.code === FAIL_CODE) {
      // Fails for good on its first try: no retry, a coded error naming the handler's.
      if (!(t.rejected === 1 && t.error?.code === ErrorCodes.TASK_FAILED && t.error.cause?.code === FAIL_CODE)) problems.push(`${key} (failing throw): settled with ${t.fulfilled === 1 ? 'a value' : `${t.error?.code} / ${t.error?.cause?.code}`}`);
      continue;
    }
    if (t.fulfilled !== 1) problems.push(`${key} (${payload.op}): rejected with ${t.error?.code} / ${t.error?.cause?.code}`);
  }
  // One agent death per crashing fault, plus one per hang declared on a task that does not crash.
  // An agent that stopped because it was retired (exit code 0) did not die.
  const deaths = seen.events.agentExited.filter((e) => !(e.reason === 'retired' && e.exitCode === 0));
  const hangsOnOthers = seen.events.agentHung.filter((e) => !CRASHES.has(opOfTask.get(e.taskId))).length;
  if (deaths.length !== crashingFaults + hangsOnOthers) {
    const byReason = {};
    for (const e of seen.events.agentExited) byReason[`${e.reason}/${e.exitCode}`] = (byReason[`${e.reason}/${e.exitCode}`] ?? 0) + 1;
    problems.push(`${deaths.length} agent deaths for ${crashingFaults} crashing faults and ${hangsOnOthers} other hangs; exits by reason/code: ${JSON.stringify(byReason)}`);
    for (const e of deaths.filter((x) => x.reason !== 'crashed' && x.reason !== 'hung' && x.reason !== 'protocol')) {
      const errors = seen.events.agentError.filter((x) => x.agentId === e.agentId && x.generation === e.generation).map((x) => `${x.error?.code} ${x.error?.message}`);
      problems.push(`exit ${JSON.stringify(e)} with agent errors ${JSON.stringify(errors)}`);
    }
  }
  // Every infinite loop is caught as a hang, exactly once.
  const spins = plan.filter((e) => e.payload.op === 'spin').length;
  const hungSpins = seen.events.agentHung.filter((e) => opOfTask.get(e.taskId) === 'spin').length;
  if (hungSpins !== spins) problems.push(`${hungSpins} hangs for ${spins} spinning tasks`);

  // --- the resizes: superseded calls may reject only because their new agent was retired; the last one resolves ---
  progress.phase = 'waiting for the resizes';
  try {
    await withTimeout(Promise.all(resizes.map((c) => c.done)), STALL_MS, `${resizes.length} resize calls`);
  } catch (error) {
    problems.push(`${error.message}: ${JSON.stringify(resizes.filter((c) => c.outcome === 'pending').map((c) => c.size))} still pending`);
  }
  const last = resizes.at(-1);
  for (const c of resizes) {
    const superseded = c !== last && c.outcome === 'rejected' && /^agent \d+ stopped$/.test(c.error?.message);
    if (c.outcome === 'rejected' && !superseded) problems.push(`resize(${c.size}) before task ${c.beforeKey}${c === last ? ' (the last)' : ''} rejected: ${c.error?.code} ${c.error?.message}`);
  }
  // --- once idle, exactly the size asked last, all able to work at once ---
  const shape = () => JSON.stringify(pool.listAgents().map((a) => [a.agentId, a.status, a.generation]));
  progress.phase = `waiting for ${requestedSize} idle agents`;
  try {
    await waitForAllIdle(pool, requestedSize, IDLE_MS);
    // One task per agent behind gate 0: they all start only if every agent takes one.
    const startedBefore = counters.startedAny();
    const gated = Array.from({ length: requestedSize }, () => pool.run({ op: 'echo', gate: 0, value: 'gated' }));
    try {
      await counters.waitForStartedAny(startedBefore + requestedSize, IDLE_MS);
    } catch (error) {
      problems.push(`${requestedSize} agents asked last, but ${counters.startedAny() - startedBefore} tasks ran at once: ${error.message}; agents ${shape()}`);
    }
    counters.openGate(0);
    await withTimeout(Promise.all(gated), STALL_MS, 'the gated tasks');
  } catch (error) {
    problems.push(`asked for ${requestedSize} agents last: ${error.message}`);
  }

  // Every spilled payload's chunk came back, whichever way its task ended.
  const spill = pool.metrics().sharedMemory.spill;
  if (spill.chunksInUse !== 0) problems.push(`${spill.chunksInUse} spill chunks (${spill.bytesInUse} bytes) still held once idle`);
  if (spill.bytes === 0) problems.push('no payload went through the spill area');

  const submitted = pool.metrics().tasks.submitted;
  const settled = tracker.settled;
  const accepted = tracker.size;
  progress.phase = 'destroy()';
  try {
    await withTimeout(pool.destroy(), STALL_MS, `destroy(); agents ${shape()}`);
  } catch (error) {
    problems.push(error.message);
  }
  tracker.stop();
  pool = undefined;
  const stats = { refused, rerunAfterViolation, resizes: resizes.length, lastSize: requestedSize, peakAgents, listenerThrows: thrown.listeners, loggerLines: loggerStats.lines, loggerThrows: loggerStats.threw, exits: seen.events.agentExited.length };
  return { problems, submitted, settled, accepted, stats };
}

test(`soak: ${TASKS} tasks under a seeded fault and chaos mix settle exactly once`, async ({ onTestFailed }) => {
  const label = `seed ${SEED} (replay: SOAK_SEED=${SEED} SOAK_TASKS=${TASKS})`;
  // Also covers failures that no assertion message carries (a timeout, an unexpected throw).
  const progress = { phase: 'starting', key: undefined };
  onTestFailed(() => console.error(`soak failed with ${label}, in phase ${progress.phase} (last key submitted ${progress.key})`));
  const baselineResources = activeResources();
  const heapBefore = await heapAfterGc();
  const pools = collectionWatcher(gc);
  const plan = schedule(SEED, TASKS);
  const toRefuse = plan.filter((e) => e.refuse !== undefined).length;

  const watch = watchProcess();
  let findings;
  try {
    findings = await runSoak(SEED, plan, pools, progress);
    // Warnings are emitted on a later tick.
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    watch.stop();
  }
  progress.phase = 'checks';
  const { problems, submitted, settled, accepted, stats } = findings;
  expect(problems.slice(0, 20), `${label}: ${problems.length} problem(s); ${JSON.stringify(stats)}`).toEqual([]);
  expect(stats.refused, label).toBe(toRefuse);
  expect(accepted, label).toBe(TASKS - toRefuse);
  expect(submitted, `${label}: counted as submitted`).toBe(accepted + stats.lastSize); // + the gated tasks
  expect(settled, label).toBe(accepted);

  // --- nothing escaped to the process; the pool warned only about the callbacks that threw ---
  expect(watch.escaped, label).toEqual([]);
  const poolWarnings = watch.warnings.filter((w) => w.name === 'DaedalusPoolWarning');
  expect(poolWarnings.filter((w) => !CALLBACK_WARNINGS.has(w.code)), label).toEqual([]);
  expect(watch.warnings.filter((w) => w.name !== 'DaedalusPoolWarning'), `${label}: other process warnings`).toEqual([]);
  const codes = new Set(poolWarnings.map((w) => w.code));
  if (stats.listenerThrows > 0) expect(codes.has('ERR_LISTENER_THREW'), `${label}: ${stats.listenerThrows} listener throws, no warning`).toBe(true);
  if (stats.loggerThrows > 0) expect(codes.has('ERR_LOGGER_THREW'), `${label}: ${stats.loggerThrows} logger throws, no warning`).toBe(true);

  // --- nothing left behind after destroy() ---
  expect(await resourcesLeftOver(baselineResources), label).toEqual({});
  // Nothing holds on to the destroyed pool (no timer, listener or global cache keeps it).
  expect(await pools.collect(), `${label}: the destroyed pool is never collected`).toBe(0);
  const heapGrowth = (await heapAfterGc()) - heapBefore;
  expect(heapGrowth, `${label}: heap grew ${heapGrowth} bytes`).toBeLessThan(HEAP_GROWTH_LIMIT_BYTES);
  console.log(`soak ${label}: ${JSON.stringify(stats)}`);
}, SOAK_TIMEOUT_MS);
