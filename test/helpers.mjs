/**
 * Shared harness of the fault tests: event waiters whose failure says how much
 * arrived, a tracker proving every submitted task settles exactly once, the
 * test-owned SharedArrayBuffer counters the fixture agent writes, and checks
 * for leaked handles. No sleeps: everything waits on an event, a promise or an
 * Atomics word, with a timeout that only bounds a broken run.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { Words, keyWord } from './fixtures/fault-agent.mjs';

export { Words, keyWord };

export const FAULT_AGENT = new URL('./fixtures/fault-agent.mjs', import.meta.url);

/**
 * How long a waiter waits for something that should happen. Only a broken run
 * reaches it; it is generous because a shared 2-core CI machine can be slowed
 * down tenfold (worker start-up measured at several seconds under load).
 */
export const WAIT_MS = 60_000;
/** Per-test ceiling for the fault tests (vi.setConfig at the top of each file). */
export const TEST_TIMEOUT_MS = 120_000;

/**
 * Resolves with the payloads of the first `count` `name` events (that pass
 * `filter`) from now on; rejects after `timeoutMs` saying how many arrived.
 * Start it before the action that should cause the events.
 */
export function waitForEvents(emitter, name, count, timeoutMs = WAIT_MS, filter = () => true) {
  const seen = [];
  let listener;
  let timer;
  const done = new Promise((resolve, reject) => {
    listener = (payload) => {
      if (!filter(payload)) return;
      seen.push(payload);
      if (seen.length >= count) resolve(seen.slice(0, count));
    };
    timer = setTimeout(() => {
      reject(new Error(`waitForEvents: waited ${timeoutMs} ms for ${count} "${name}" event(s), ${seen.length} arrived`));
    }, timeoutMs);
    emitter.on(name, listener);
    if (count <= 0) resolve([]);
  });
  return done.finally(() => {
    clearTimeout(timer);
    emitter.off(name, listener);
  });
}

/** Records every payload of the named events from now on; `stop()` removes the listeners. */
export function recordEvents(emitter, names) {
  const events = Object.fromEntries(names.map((n) => [n, []]));
  const listeners = names.map((name) => {
    const fn = (payload) => events[name].push(payload);
    emitter.on(name, fn);
    return [name, fn];
  });
  return {
    events,
    stop() {
      for (const [name, fn] of listeners) emitter.off(name, fn);
    },
  };
}

/** Races `promise` against a timeout whose error carries `what`; clears its timer either way. */
export function withTimeout(promise, timeoutMs, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms: ${what}`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Counts, per accepted task, how its `result` promise settled and which
 * terminal events the pool emitted for it. `check()` lists every task that did
 * not settle exactly once, or whose event disagrees with its promise.
 */
export function settleTracker(pool, PoolEvents) {
  let target = pool; // dropped by stop(), so a stopped tracker does not keep the pool alive
  const tasks = new Map(); // id -> { fulfilled, rejected, value, error, events: [] }
  const terminal = [PoolEvents.taskCompleted, PoolEvents.taskFailed, PoolEvents.taskCancelled];
  const orphanEvents = [];
  const listeners = terminal.map((name) => {
    const fn = (payload) => {
      const t = tasks.get(payload.taskId);
      if (t === undefined) orphanEvents.push({ name, taskId: payload.taskId });
      else t.events.push(name);
    };
    target.on(name, fn);
    return [name, fn];
  });
  let settledCount = 0;
  let waiters = []; // { n, resolve }: settle count to reach
  const onSettle = () => {
    settledCount += 1;
    const due = waiters.filter((w) => settledCount >= w.n);
    if (due.length === 0) return;
    waiters = waiters.filter((w) => settledCount < w.n);
    for (const w of due) w.resolve();
  };
  const describePending = () => {
    const pending = [...tasks.values()].filter((t) => t.fulfilled + t.rejected === 0);
    const shown = pending.slice(0, 10).map((t) => ({ id: t.id, meta: t.meta, snapshot: target?.getTask(t.id) }));
    const agents = target?.listAgents().map((a) => ({ id: a.agentId, gen: a.generation, status: a.status, task: a.currentTaskId }));
    return `${pending.length} of ${tasks.size} task(s) still pending: ${JSON.stringify(shown)}; agents ${JSON.stringify(agents)}; queue ${JSON.stringify(target?.metrics().queue)}`;
  };
  const settledAtLeast = (n) => (settledCount >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve })));

  const tracker = {
    tasks,
    /** Tracks a handle from pool.submit(); returns it. */
    track(handle, meta = {}) {
      const t = { id: handle.id, fulfilled: 0, rejected: 0, value: undefined, error: undefined, events: [], meta };
      tasks.set(handle.id, t);
      handle.result.then(
        (value) => {
          t.fulfilled += 1;
          t.value = value;
          onSettle();
        },
        (error) => {
          t.rejected += 1;
          t.error = error;
          onSettle();
        },
      );
      return handle;
    },
    get size() {
      return tasks.size;
    },
    get settled() {
      return settledCount;
    },
    /** Resolves once at least n tracked tasks have settled (rejects, naming the pending ones, after timeoutMs if given). */
    settledAtLeast(n, timeoutMs) {
      if (timeoutMs === undefined) return settledAtLeast(n);
      let timer;
      const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`settleTracker: ${settledCount} of ${n} needed settled after ${timeoutMs} ms; ${describePending()}`)), timeoutMs);
      });
      return Promise.race([settledAtLeast(n), timeout]).finally(() => clearTimeout(timer));
    },
    /** Resolves once every tracked promise settled; rejects after timeoutMs naming what is still pending. */
    allSettled(timeoutMs = WAIT_MS) {
      let timer;
      const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`settleTracker: after ${timeoutMs} ms ${describePending()}`)), timeoutMs);
      });
      return Promise.race([settledAtLeast(tasks.size), timeout]).finally(() => clearTimeout(timer));
    },
    /** Problems found: a task settled 0 or 2+ times, saw 0 or 2+ terminal events, or an event contradicts its promise. */
    check() {
      const problems = [];
      for (const t of tasks.values()) {
        const settles = t.fulfilled + t.rejected;
        if (settles !== 1) problems.push(`task ${t.id} settled ${settles} times`);
        if (t.events.length !== 1) problems.push(`task ${t.id} had ${t.events.length} terminal events: ${t.events.join(',')}`);
        const event = t.events[0];
        if (t.fulfilled === 1 && event !== undefined && event !== PoolEvents.taskCompleted) problems.push(`task ${t.id} resolved but emitted ${event}`);
        if (t.rejected === 1 && event === PoolEvents.taskCompleted) problems.push(`task ${t.id} rejected but emitted taskCompleted`);
      }
      // Events for accepted tasks the test did not track (e.g. pool.run()) are fine; for unknown ids they are not.
      for (const o of orphanEvents) if (target !== undefined && target.getTask(o.taskId) === undefined) problems.push(`terminal event ${o.name} for unknown task ${o.taskId}`);
      return problems;
    },
    stop() {
      for (const [name, fn] of listeners) target?.off(name, fn);
      target = undefined;
    },
  };
  return tracker;
}

/**
 * The test-owned counters the fixture agent writes (Int32 words over a
 * SharedArrayBuffer handed to the pool as `workerData: { counters: sab }`).
 */
export function createCounters(keys = 64) {
  const sab = new SharedArrayBuffer((Words.KEY_BASE + keys * Words.KEY_WORDS) * Int32Array.BYTES_PER_ELEMENT);
  const words = new Int32Array(sab);
  const load = (index) => Atomics.load(words, index);

  /** Waits (Atomics.waitAsync, the main thread never blocks) until words[index] >= n. */
  async function waitAtLeast(index, n, timeoutMs, what) {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const current = Atomics.load(words, index);
      if (current >= n) return current;
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`counters: waited ${timeoutMs} ms for ${what} to reach ${n}, it is ${current}`);
      const waited = Atomics.waitAsync(words, index, current, left);
      if (waited.async) await waited.value;
    }
  }

  return {
    sab,
    words,
    started: (key) => load(keyWord(key, Words.K_STARTED)),
    finished: (key) => load(keyWord(key, Words.K_FINISHED)),
    abortSeen: (key) => load(keyWord(key, Words.K_ABORT_SEEN)),
    afterReply: (key) => load(keyWord(key, Words.K_AFTER_REPLY)),
    late: (key) => load(keyWord(key, Words.K_LATE)),
    startedAny: () => load(Words.STARTED_ANY),
    finishedAny: () => load(Words.FINISHED_ANY),
    initAttempts: () => load(Words.INIT_ATTEMPTS),
    armedExits: () => load(Words.ARMED_EXITS),
    setFailInit(on) {
      Atomics.store(words, Words.FAIL_INIT, on ? 1 : 0);
    },
    openGate(gate) {
      Atomics.store(words, Words.GATE_BASE + gate, 1);
      Atomics.notify(words, Words.GATE_BASE + gate);
    },
    /** The handler for `key` has started at least n times. */
    waitForStarted: (key, n = 1, timeoutMs = WAIT_MS) => waitAtLeast(keyWord(key, Words.K_STARTED), n, timeoutMs, `started[${key}]`),
    waitForFinished: (key, n = 1, timeoutMs = WAIT_MS) => waitAtLeast(keyWord(key, Words.K_FINISHED), n, timeoutMs, `finished[${key}]`),
    waitForAbortSeen: (key, n = 1, timeoutMs = WAIT_MS) => waitAtLeast(keyWord(key, Words.K_ABORT_SEEN), n, timeoutMs, `abortSeen[${key}]`),
    waitForAfterReply: (key, n = 1, timeoutMs = WAIT_MS) => waitAtLeast(keyWord(key, Words.K_AFTER_REPLY), n, timeoutMs, `afterReply[${key}]`),
    /** K_LATE is written without Atomics.notify (see blockInSyscall): look every 10 ms, up to timeoutMs. */
    async waitForLate(key, timeoutMs = WAIT_MS) {
      const index = keyWord(key, Words.K_LATE);
      const deadline = performance.now() + timeoutMs;
      while (Atomics.load(words, index) === 0) {
        if (performance.now() > deadline) throw new Error(`counters: waited ${timeoutMs} ms for late[${key}] to be set`);
        await Atomics.waitAsync(words, index, 0, 10).value;
      }
    },
    /**
     * Blocks THIS thread (Atomics.wait) until the handler for `key` has started
     * (field K_STARTED) or finished (K_FINISHED) once. Only for forcing an order
     * on purpose: while the test's thread is blocked, the coordinator cannot run,
     * so the agent's messages and completions queue up unhandled.
     */
    blockUntil(key, field, timeoutMs = 30_000) {
      const index = keyWord(key, field);
      const deadline = Date.now() + timeoutMs;
      while (Atomics.load(words, index) === 0) {
        if (Date.now() > deadline) throw new Error(`counters: blocked ${timeoutMs} ms for key ${key} field ${field}`);
        Atomics.wait(words, index, 0, 1_000);
      }
    },
    /**
     * Blocks THIS thread (Atomics.wait) until words[afterReply(key)] >= n. Only for
     * building a race on purpose: while the test's thread is blocked, the pool's
     * coordinator cannot run either, so whatever the agent sends meanwhile waits in line.
     */
    blockUntilAfterReply(key, n = 1, timeoutMs = WAIT_MS) {
      const index = keyWord(key, Words.K_AFTER_REPLY);
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const current = Atomics.load(words, index);
        if (current >= n) return current;
        const left = deadline - performance.now();
        if (left <= 0) throw new Error(`counters: blocked ${timeoutMs} ms for afterReply[${key}] to reach ${n}, it is ${current}`);
        Atomics.wait(words, index, current, left);
      }
    },
    waitForStartedAny: (n, timeoutMs = WAIT_MS) => waitAtLeast(Words.STARTED_ANY, n, timeoutMs, 'startedAny'),
    waitForInitAttempts: (n, timeoutMs = WAIT_MS) => waitAtLeast(Words.INIT_ATTEMPTS, n, timeoutMs, 'initAttempts'),
    waitForArmedExits: (n, timeoutMs = WAIT_MS) => waitAtLeast(Words.ARMED_EXITS, n, timeoutMs, 'armedExits'),
  };
}

/** Follows `.cause` links; returns the chain starting at `error`. */
export function causeChain(error) {
  const chain = [];
  const seen = new Set();
  for (let e = error; e !== undefined && e !== null && !seen.has(e); e = e.cause) {
    seen.add(e);
    chain.push(e);
  }
  return chain;
}

/** Rejection of `promise` (fails if it resolves). */
export async function rejectionOf(promise) {
  try {
    const value = await promise;
    throw new Error(`expected a rejection, got a value: ${safeJson(value)}`, { cause: 'resolved' });
  } catch (error) {
    if (error instanceof Error && error.cause === 'resolved') throw error;
    return error;
  }
}

/** What a synchronous call threw (fails if it returned). */
export function thrownBy(fn) {
  let value;
  try {
    value = fn();
  } catch (error) {
    return error;
  }
  throw new Error(`expected a throw, got a value: ${safeJson(value)}`);
}

function safeJson(value) {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** Counts of process.getActiveResourcesInfo() by resource type. */
export function activeResources() {
  const counts = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

/**
 * Resource types that now have more live instances than in `baseline`. Gives
 * closing handles a few event-loop turns (no timer) to finish closing.
 */
export async function resourcesLeftOver(baseline) {
  let extra = {};
  for (let turn = 0; turn < 20; turn += 1) {
    const now = activeResources();
    extra = {};
    for (const [type, n] of Object.entries(now)) {
      if (n > (baseline[type] ?? 0)) extra[type] = n - (baseline[type] ?? 0);
    }
    if (Object.keys(extra).length === 0) return extra;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return extra;
}

/** Mulberry32: a small seeded PRNG, so a failing random schedule can be replayed from its seed. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Summed restarts and the agents of listAgents() by agentId. */
export function agentsById(pool) {
  return new Map(pool.listAgents().map((a) => [a.agentId, a]));
}

export function totalRestarts(pool) {
  return pool.listAgents().reduce((sum, a) => sum + a.restarts, 0);
}

/**
 * Waits until every agent is idle (the pool is back to full strength after
 * restarts), driven by agentReady/taskCompleted events rather than a timer.
 */
export async function waitForAllIdle(pool, expectedSize, timeoutMs = WAIT_MS) {
  const isIdle = () => {
    const agents = pool.listAgents();
    return agents.length === expectedSize && agents.every((a) => a.status === 'idle');
  };
  if (isIdle()) return;
  await new Promise((resolve, reject) => {
    const names = ['agentReady', 'agentRestarted', 'taskCompleted', 'taskFailed', 'agentExited', 'taskCancelled'];
    const check = () => {
      if (!isIdle()) return;
      cleanup();
      resolve();
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`waitForAllIdle: after ${timeoutMs} ms agents are ${JSON.stringify(pool.listAgents().map((a) => [a.agentId, a.status, a.generation]))}`));
    }, timeoutMs);
    // Status can change just after an event's listeners run: also re-check on the next turn.
    const onEvent = () => {
      check();
      setImmediate(check);
    };
    function cleanup() {
      clearTimeout(timer);
      for (const n of names) pool.off(n, onEvent);
    }
    for (const n of names) pool.on(n, onEvent);
  });
}

/** The engine's gc(), without needing --expose-gc on the command line. */
export function exposeGc() {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc');
}

/**
 * Proves objects become garbage: `watch(obj)` registers it with a
 * FinalizationRegistry (which, unlike a WeakRef, does not keep its target alive
 * for the rest of the current job); `collect()` runs gc on successive event-loop
 * turns until every watched object was finalized or `rounds` run out, and
 * returns how many are still alive.
 */
export function collectionWatcher(gc) {
  let registered = 0;
  let finalized = 0;
  const registry = new FinalizationRegistry(() => {
    finalized += 1;
  });
  return {
    watch(obj) {
      registered += 1;
      registry.register(obj, undefined);
    },
    async collect(rounds = 50) {
      for (let i = 0; i < rounds && finalized < registered; i++) {
        gc();
        await new Promise((resolve) => setImmediate(resolve));
      }
      return registered - finalized;
    },
  };
}

/** Waits (Atomics.waitAsync, the main thread never blocks) until words[index] >= atLeast, for a word a fixture agent bumps and notifies. */
export async function waitForWord(words, index, atLeast, timeoutMs = WAIT_MS) {
  for (let seen = Atomics.load(words, index); seen < atLeast; seen = Atomics.load(words, index)) {
    const waited = Atomics.waitAsync(words, index, seen, timeoutMs);
    if (waited.async && (await waited.value) === 'timed-out') throw new Error(`waitForWord: word ${index} stayed at ${seen}, waited for ${atLeast}`);
  }
}
