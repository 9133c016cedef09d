// Fault figures: restart after a crash and out-of-memory detection for every
// library (each only uses worker_threads, so they compare directly); hang detection, timeout
// accuracy and throughput under the soak mix for daedalus (the peers have no hang watchdog,
// no per-task deadline from handler start, and no failover to run the soak mix through).
// Fault cases use one agent, so the task after a fault has to wait for the replacement.
// Each fault's start is marked by the agent (wall clock into a SharedArrayBuffer), so detection
// times run from the moment the fault began, not from submit.
import { pause, wallMs, windowed } from '../lib/drive.mjs';
import { contenders } from '../lib/rounds.mjs';
import { percentile } from '../lib/stats.mjs';

const SUITE = 'faults';
const HEAP_LIMIT_MB = 32;
// Every library's agents get the same isolate limits. daedalus-pool would cap the
// young generation at 16 MB by itself; the peers would leave Node's default.
const YOUNG_LIMIT_MB = 16;
const HEAP_LIMITS = { maxOldGenerationSizeMb: HEAP_LIMIT_MB, maxYoungGenerationSizeMb: YOUNG_LIMIT_MB };
const HANG_TIMEOUT_MS = 200;
const TASK_TIMEOUT_MS = 50;
const SOAK_HANG_TIMEOUT_MS = 500;
const SOAK_SEED = 20_260_422;

/**
 * Where the agents mark the start of each fault (wall clock, one word per sample). The peers
 * get the SharedArrayBuffer in the payload; daedalus through workerData, because its payloads
 * cannot carry one (see faultPayload below).
 */
function marksFor(session, samples) {
  const marks = new SharedArrayBuffer(8 * samples);
  const viaWorkerData = session.contender.adapter.name === 'daedalus';
  return {
    tuning: viaWorkerData ? { workerData: { marks } } : {},
    payload: (op, slot) => (viaWorkerData ? { op, slot } : { op, slot, marks }),
    /** The wall clock (ms) the agent wrote when fault `slot` began. */
    at(slot) {
      const us = Atomics.load(new BigInt64Array(marks), slot);
      if (us === 0n) throw new Error(`fault ${slot + 1} never started (no start mark)`);
      return Number(us) / 1000;
    },
  };
}

/**
 * How long a faulted task (and the task after it) may take to settle. A pool that loses the
 * task costs this once per case (stopAfterTimeout). A crash settles in milliseconds plus a
 * thread start; filling a 32 MB heap takes V8 up to about 2.5 s here.
 */
const faultDeadlineMs = (ctx, fault) => Math.min(ctx.phaseTimeoutMs, (fault === 'oom' ? 5_000 : 2_000) * (ctx.quick ? 1 : 3));

/** Runs a task that must fail; resolves to the rejection and when it arrived (wall clock). */
async function mustFail(promise, what) {
  try {
    const value = await promise;
    throw Object.assign(new Error(`${what}: the task succeeded (${JSON.stringify(value)?.slice(0, 80)})`), { code: 'ERR_BENCH_NO_FAULT' });
  } catch (err) {
    if (err?.code === 'ERR_BENCH_NO_FAULT') throw err;
    return { error: err, at: wallMs() };
  }
}

const codeOf = (err) => [err?.code ?? err?.name, err?.cause?.code].filter(Boolean).join(' / ');

/** Records one daedalus pool event (by its PoolEvents key) for the life of the pool. */
function listen(handle, event, record) {
  const list = [];
  handle.pool.on(handle.events[event], (e) => list.push(record(e)));
  return list;
}

const ms = (key, label, better = 'lower', digits = 1) => ({ key, label, unit: 'ms', better, pick: (r) => r[key], digits });

function crashRestart(ctx) {
  const samples = ctx.quick ? 3 : 20;
  return {
    suite: SUITE,
    name: 'crash-restart',
    description: `a task exits its thread (process.exit(1)); then a no-op on the one-agent pool: crash to rejection (detect) and crash to the no-op's result (recover); ${samples} crashes per round; daedalus with maxAttempts: 1 so it fails the task like the peers`,
    params: { agents: 1, samples, maxAttemptsDaedalus: 1 },
    contenders: contenders(ctx),
    stopAfterTimeout: true,
    notes: ['restart (spawn to ready) is daedalus\'s own agentRestarted.restartMs; the project aims at p99 < 150 ms'],
    figures: [ms('detectP50Ms', 'crash to rejection p50 (ms)'), ms('recoverP50Ms', 'crash to next result p50 (ms)'), ms('recoverP99Ms', 'crash to next result p99 (ms)'), { ...ms('restartP99Ms', 'restart (spawn to ready) p99 (ms)'), only: ['daedalus'] }],
    async unit(session) {
      const marks = marksFor(session, samples);
      const handle = await session.open({ agents: 1, kind: 'fault', tuning: { maxAttempts: 1, ...marks.tuning } });
      const restarts = session.contender.adapter.name === 'daedalus' ? listen(handle, 'agentRestarted', (e) => e.restartMs) : undefined;
      await session.guard(windowed((i) => handle.run({ op: 'echo', i }), 20, 1), 'warm-up');
      const detect = [];
      const recover = [];
      const codes = new Set();
      for (let k = 0; k < samples; k++) {
        const failed = await session.guard(mustFail(handle.run(marks.payload('crash', k)), 'crash'), `crash ${k + 1}`, faultDeadlineMs(ctx, 'crash'));
        await session.guard(handle.run({ op: 'echo', i: k }), `task after crash ${k + 1}`, faultDeadlineMs(ctx, 'crash'));
        const t = marks.at(k);
        detect.push(failed.at - t);
        recover.push(wallMs() - t);
        codes.add(codeOf(failed.error));
      }
      return {
        detectP50Ms: percentile(detect, 50),
        recoverP50Ms: percentile(recover, 50),
        recoverP99Ms: percentile(recover, 99),
        restartP99Ms: restarts === undefined ? undefined : percentile(restarts, 99),
        detectMs: detect,
        recoverMs: recover,
        restartMs: restarts,
        rejectionCodes: [...codes],
      };
    },
  };
}

function oomDetection(ctx) {
  const samples = ctx.quick ? 1 : 5;
  return {
    suite: SUITE,
    name: 'oom-detection',
    description: `a task fills the JS heap under resourceLimits { maxOldGenerationSizeMb: ${HEAP_LIMIT_MB}, maxYoungGenerationSizeMb: ${YOUNG_LIMIT_MB} }: handler start to the task's rejection; then a no-op (recovered); ${samples} per round, one agent`,
    params: { agents: 1, samples, ...HEAP_LIMITS, maxAttemptsDaedalus: 1 },
    contenders: contenders(ctx),
    stopAfterTimeout: true,
    figures: [ms('detectP50Ms', 'start to rejection p50 (ms)'), ms('detectMaxMs', 'start to rejection max (ms)'), ms('recoverP50Ms', 'start to next result p50 (ms)')],
    async unit(session) {
      const marks = marksFor(session, samples);
      const handle = await session.open({ agents: 1, kind: 'fault', resourceLimits: HEAP_LIMITS, tuning: { maxAttempts: 1, ...marks.tuning } });
      await session.guard(windowed((i) => handle.run({ op: 'echo', i }), 20, 1), 'warm-up');
      const detect = [];
      const recover = [];
      const codes = new Set();
      for (let k = 0; k < samples; k++) {
        const failed = await session.guard(mustFail(handle.run(marks.payload('oom', k)), 'oom'), `oom ${k + 1}`, faultDeadlineMs(ctx, 'oom'));
        await session.guard(handle.run({ op: 'echo', i: k }), `task after oom ${k + 1}`, faultDeadlineMs(ctx, 'crash'));
        const t = marks.at(k);
        detect.push(failed.at - t);
        recover.push(wallMs() - t);
        codes.add(codeOf(failed.error));
      }
      return { detectP50Ms: percentile(detect, 50), detectMaxMs: Math.max(...detect), recoverP50Ms: percentile(recover, 50), detectMs: detect, recoverMs: recover, rejectionCodes: [...codes] };
    },
  };
}

function hangDetection(ctx) {
  const samples = ctx.quick ? 2 : 10;
  return {
    suite: SUITE,
    name: 'hang-detection',
    description: `a task loops synchronously without heartbeats; hangTimeoutMs: ${HANG_TIMEOUT_MS} (heartbeat every ${HANG_TIMEOUT_MS / 4} ms): loop start to the agentHung event; ${samples} per round, one agent`,
    params: { agents: 1, samples, hangTimeoutMs: HANG_TIMEOUT_MS },
    contenders: contenders(ctx, { peers: false }),
    notes: ['daedalus only: the peers have no hang watchdog (a looping task holds its thread until the pool is destroyed)'],
    figures: [ms('detectP50Ms', 'start to agentHung p50 (ms)'), ms('detectP99Ms', 'start to agentHung p99 (ms)'), ms('overshootP99Ms', 'p99 past hangTimeoutMs (ms)')],
    async unit(session) {
      const marks = marksFor(session, samples);
      const handle = await session.open({ agents: 1, kind: 'fault', tuning: { hangTimeoutMs: HANG_TIMEOUT_MS, maxAttempts: 1, ...marks.tuning } });
      const hungAt = listen(handle, 'agentHung', () => wallMs());
      await session.guard(windowed((i) => handle.run({ op: 'echo', i }), 20, 1), 'warm-up');
      const detect = [];
      for (let k = 0; k < samples; k++) {
        const seen = hungAt.length;
        await session.guard(mustFail(handle.run(marks.payload('hang', k)), 'hang'), `hang ${k + 1}`, faultDeadlineMs(ctx, 'hang'));
        if (hungAt.length !== seen + 1) throw new Error(`hang ${k + 1}: ${hungAt.length - seen} agentHung events`);
        detect.push(hungAt[seen] - marks.at(k));
        await session.guard(handle.run({ op: 'echo', i: k }), `task after hang ${k + 1}`, faultDeadlineMs(ctx, 'crash'));
      }
      const p99 = percentile(detect, 99);
      return { detectP50Ms: percentile(detect, 50), detectP99Ms: p99, overshootP99Ms: p99 - HANG_TIMEOUT_MS, detectMs: detect };
    },
  };
}

function timeoutAccuracy(ctx) {
  const samples = ctx.quick ? 5 : 50;
  return {
    suite: SUITE,
    name: 'timeout-accuracy',
    description: `a task waits (cooperatively) until cancelled, timeoutMs: ${TASK_TIMEOUT_MS}: rejection time minus handler start minus timeoutMs; ${samples} per round, one agent`,
    params: { agents: 1, samples, timeoutMs: TASK_TIMEOUT_MS },
    contenders: contenders(ctx, { peers: false }),
    notes: ['daedalus only: no peer has a per-task deadline counted from handler start', 'the deadline runs from assignment, a little before the handler\'s first line (the mark), so "late" can be slightly negative'],
    figures: [ms('lateP50Ms', 'late p50 (ms)', 'lower', 2), ms('lateP99Ms', 'late p99 (ms)', 'lower', 2), ms('lateMaxMs', 'late max (ms)', 'lower', 2)],
    async unit(session) {
      const marks = marksFor(session, samples);
      const handle = await session.open({ agents: 1, kind: 'fault', tuning: { taskOptions: { timeoutMs: TASK_TIMEOUT_MS }, ...marks.tuning } });
      await session.guard(windowed((i) => handle.run({ op: 'echo', i }), 20, 1), 'warm-up');
      const late = [];
      for (let k = 0; k < samples; k++) {
        const failed = await session.guard(mustFail(handle.run(marks.payload('wait', k)), 'wait'), `timeout ${k + 1}`, faultDeadlineMs(ctx, 'timeout'));
        if (failed.error?.code !== 'ERR_TASK_TIMEOUT') throw new Error(`timeout ${k + 1}: rejected with ${codeOf(failed.error)}, not ERR_TASK_TIMEOUT`);
        late.push(failed.at - marks.at(k) - TASK_TIMEOUT_MS);
      }
      return { lateP50Ms: percentile(late, 50), lateP99Ms: percentile(late, 99), lateMaxMs: Math.max(...late), lateMs: late };
    },
  };
}

/** mulberry32: a small seeded PRNG, so every round runs the same schedule. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The soak fault mix: 3% exit, 1% timer throw, 0.5% hang, 0.2% OOM, 5% retryable throw, 2% aborts. */
function soakSchedule(seed, tasks) {
  const random = prng(seed);
  const plan = [];
  for (let i = 0; i < tasks; i++) {
    const r = random();
    let entry;
    if (r < 0.03) entry = { op: 'exit' };
    else if (r < 0.04) entry = { op: 'timerThrow' };
    else if (r < 0.045) entry = { op: 'hang' };
    else if (r < 0.047) entry = { op: 'oom' };
    else if (r < 0.097) entry = { op: 'retryable' };
    else if (r < 0.117) entry = { op: 'sleep', ms: 5 + Math.floor(random() * 30), abortAfterMs: Math.floor(random() * 20) };
    else if (r < 0.3) entry = { op: 'sleep', ms: Math.floor(random() * 3) };
    else entry = { op: 'echo' };
    plan.push({ i, ...entry });
  }
  return plan;
}

/** The same schedule with every fault replaced by its harmless twin and no aborts. */
const faultFree = (plan) => plan.map(({ i, op, ms }) => (op === 'sleep' ? { i, op, ms } : { i, op: 'echo' }));

function soakMix(ctx) {
  const agents = ctx.agents ?? 2;
  const tasks = ctx.quick ? 200 : 2_000;
  const outstanding = 100;
  const plan = soakSchedule(SOAK_SEED, tasks);
  const counts = {};
  for (const e of plan) counts[e.abortAfterMs === undefined ? e.op : 'aborted sleep'] = (counts[e.abortAfterMs === undefined ? e.op : 'aborted sleep'] ?? 0) + 1;
  const tuning = { hangTimeoutMs: SOAK_HANG_TIMEOUT_MS, maxAttempts: 3 };

  /** Runs a schedule on a fresh pool; resolves to settled tasks per second and the outcome counts. */
  async function run(session, schedule, phase) {
    const handle = await session.open({ agents, kind: 'soak', outstanding, resourceLimits: HEAP_LIMITS, tuning });
    await session.guard(windowed((i) => handle.run({ op: 'echo', i }), 50, 10), `${phase} warm-up`);
    const outcome = { completed: 0, aborted: 0, failed: 0, failures: {} };
    const submit = (i) => {
      const { abortAfterMs, ...payload } = schedule[i];
      if (abortAfterMs === undefined) return handle.pool.run(payload, { type: 'soak' });
      const ac = new AbortController();
      const result = handle.pool.run(payload, { type: 'soak', signal: ac.signal });
      if (abortAfterMs === 0) ac.abort(new Error('bench soak: cancelled'));
      else pause(abortAfterMs).then(() => ac.abort(new Error('bench soak: cancelled')));
      return result;
    };
    // Failures are outcomes here, not errors: count them and keep going.
    const settle = (i) =>
      submit(i).then(
        () => void outcome.completed++,
        (err) => {
          if (err?.code === 'ERR_ABORTED') outcome.aborted++;
          else {
            outcome.failed++;
            const code = codeOf(err);
            outcome.failures[code] = (outcome.failures[code] ?? 0) + 1;
          }
        },
      );
    const t0 = performance.now();
    await session.guard(windowed(settle, tasks, outstanding), phase);
    const seconds = (performance.now() - t0) / 1000;
    const retried = handle.pool.metrics().tasks.retried;
    const restarts = handle.pool.listAgents().reduce((n, a) => n + a.restarts, 0);
    await session.close(handle);
    return { tasksPerSec: tasks / seconds, ...outcome, retried, restarts };
  }

  return {
    suite: SUITE,
    name: 'soak-mix',
    description: `soak fault mix (seed ${SOAK_SEED}): ${tasks} tasks, ${outstanding} outstanding, ${agents} agent(s), every fault transient (first attempt only); tasks settled per second, against the same schedule with the faults made harmless, each on a fresh pool`,
    params: { agents, tasks, outstanding, seed: SOAK_SEED, schedule: counts, ...tuning, ...HEAP_LIMITS },
    contenders: contenders(ctx, { peers: false }),
    notes: ['daedalus only: the peers do not fail over, so a crashed task is lost to them rather than retried', `hangTimeoutMs ${SOAK_HANG_TIMEOUT_MS} so a hang costs half a second, not the default 30 s`],
    figures: [
      { key: 'cleanTasksPerSec', label: 'fault-free: tasks/s', unit: 'tasks/s', better: 'higher', pick: (r) => r.clean.tasksPerSec, digits: 0 },
      { key: 'soakTasksPerSec', label: 'soak mix: tasks/s', unit: 'tasks/s', better: 'higher', pick: (r) => r.soak.tasksPerSec, digits: 0 },
      { key: 'relative', label: 'soak / fault-free', unit: 'ratio', better: 'higher', pick: (r) => r.soak.tasksPerSec / r.clean.tasksPerSec, digits: 2 },
      { key: 'unexpectedFailures', label: 'soak: tasks failed (not aborted)', unit: 'tasks', better: 'lower', pick: (r) => r.soak.failed, digits: 0 },
    ],
    async unit(session, round) {
      // Alternate which schedule runs first, so neither always gets the cooler machine.
      const order = round % 2 === 1 ? ['clean', 'soak'] : ['soak', 'clean'];
      const out = {};
      for (const which of order) out[which] = await run(session, which === 'clean' ? faultFree(plan) : plan, which === 'clean' ? 'fault-free' : 'soak');
      return out;
    },
  };
}

export function plan(ctx) {
  return [crashRestart(ctx), oomDetection(ctx), hangDetection(ctx), timeoutAccuracy(ctx), soakMix(ctx)];
}
