// Throughput suites (benny-timed): no-op tasks, CPU-bound tasks (1 ms spins, and zlib deflate of
// 256 KB of realistic text) against the same work run serially on the main thread, and payloads
// of 1 KB / 64 KB (cloned) and 1 MB (transferred). Every pool row also says what the timed
// batches cost the main thread: its own CPU time per task and its event-loop utilization
// (lib/usage.mjs).
import os from 'node:os';
import { burn, corpusText, deflate } from '../agents/work.mjs';
import { bennyTime } from '../lib/benny.mjs';
import { expectIndex, warmUp, windowed } from '../lib/drive.mjs';
import { median } from '../lib/stats.mjs';
import { USAGE_FIGURES, usageMeter } from '../lib/usage.mjs';
import { contenders } from '../lib/rounds.mjs';

const SUITE = 'throughput';
const SMALL_OBJECT = (i) => ({ i, op: 'noop', args: [1, 2, 3] });

/** Untimed tasks through every fresh pool first: thread start and first-call compilation are not billed. */
const warmupTasks = (ctx, tasks, outstanding) => Math.min(tasks, ctx.quick ? 500 : 2_000, 2 * outstanding);

/**
 * One benny-timed batch of `tasks` through `handle`, `outstanding` at a time: tasks/s, seconds,
 * and what the timed batches cost the main thread (CPU per task, event-loop utilization).
 */
async function timeBatch(session, name, handle, { warmup, warmupMs, tasks, outstanding, payload, check, transferOf }) {
  const submit = (i) => {
    const p = payload(i);
    return handle.run(p, transferOf?.(p));
  };
  await session.guard(warmUp(() => windowed(submit, warmup, outstanding, check), warmupMs), 'warm-up');
  const meter = usageMeter();
  const result = await bennyTime(name, () => meter.measure(() => windowed(submit, tasks, outstanding, check), tasks), session);
  return { tasksPerSec: tasks / result.details.mean, batchSec: result.details.mean, ...meter.result(), benny: { samples: result.samples, details: result.details } };
}

/** The throughput figures of a pool case: tasks/s, then the main thread's cost. */
const TASKS_PER_SEC = { key: 'tasksPerSec', label: 'tasks/s', unit: 'tasks/s', better: 'higher', pick: (r) => r.tasksPerSec, digits: 0 };

/**
 * Agent counts per mode when --agents is not given: 1,000 outstanding on 2 agents (the headline
 * figure), everything at once on 1 and on 2. (4 agents would oversubscribe a 2-core machine and
 * cost a minute and a half per case; --agents 4 runs it.)
 */
const NOOP_AGENTS = { windowed: [2], 'all-at-once': [1, 2] };

/** What payloadIsolation: 'private' costs (payloads and results by message, none in the shared ring): a daedalus row beside the default. */
const PRIVATE_PAYLOADS = { label: 'daedalus private-payloads', tuning: { payloadIsolation: 'private' } };
/**
 * Roles: the same agents as one role (`agents: { solo }`, which must cost nothing beside `agent`),
 * and split into two roles that both handle the task type (every claim tests the slot's route).
 */
const ONE_ROLE = { label: 'daedalus one-role', tuning: { roles: 1 } };
const TWO_ROLES = { label: 'daedalus two-roles', tuning: { roles: 2 } };

function noopCases(ctx) {
  const tasks = ctx.quick ? 2_000 : 50_000;
  const cases = [];
  for (const mode of ['windowed', 'all-at-once']) {
    const outstanding = mode === 'windowed' ? 1_000 : tasks;
    for (const agents of ctx.agents === undefined ? NOOP_AGENTS[mode] : [ctx.agents]) {
      const name = `noop-${mode}-${agents}a`;
      cases.push({
        suite: SUITE,
        name,
        description: `no-op task, small object payload, ${tasks} tasks, ${mode === 'windowed' ? `${outstanding} outstanding` : 'all submitted at once'}, ${agents} agent(s)`,
        params: { tasks, outstanding, agents, warmupTasks: warmupTasks(ctx, tasks, outstanding), warmupMs: ctx.warmupMs },
        contenders: contenders(ctx, { variants: mode === 'windowed' ? [PRIVATE_PAYLOADS, ONE_ROLE, ...(agents >= 2 ? [TWO_ROLES] : [])] : [] }),
        bennyFigure: 'tasksPerSec',
        figures: [TASKS_PER_SEC, ...USAGE_FIGURES],
        async unit(session, round) {
          const handle = await session.open({ agents, kind: 'noop', outstanding });
          return timeBatch(session, `${name} ${session.contender.label} round ${round}`, handle, { warmup: warmupTasks(ctx, tasks, outstanding), warmupMs: ctx.warmupMs, tasks, outstanding, payload: SMALL_OBJECT, check: expectIndex });
        },
      });
    }
  }
  return cases;
}

/** Iterations of burn() that take about `targetMs` on this thread (median of several tries). */
function calibrate(targetMs) {
  const probe = 100_000;
  burn(probe); // compile it first
  const times = [];
  for (let k = 0; k < 15; k++) {
    const t0 = performance.now();
    burn(probe);
    times.push(performance.now() - t0);
  }
  return Math.max(1, Math.round((probe * targetMs) / median(times)));
}

/**
 * A CPU-bound case against the same tasks run one after another on the main thread (the serial
 * row) in the same round. `work`: { name, what, kind, tasks, warmup, prepare() (untimed, once,
 * on the main thread) -> { payload(i), serialTask(i), check(i, value), params } }.
 */
function cpuBoundCase(ctx, work) {
  const agents = ctx.agents ?? 2;
  const outstanding = 100;
  const cores = Math.min(agents, os.availableParallelism());
  let prepared;
  const serial = { label: 'main thread (serial)', tuning: {} };
  return {
    suite: SUITE,
    name: `${work.name}-${agents}a`,
    description: `${work.what}, ${work.tasks} tasks, ${outstanding} outstanding, ${agents} agent(s); efficiency = serial time on the main thread / (pool time x ${cores} usable core(s))`,
    get params() {
      return { tasks: work.tasks, outstanding, agents, usableCores: cores, warmupTasks: work.warmup, warmupMs: ctx.warmupMs, ...prepared?.params };
    },
    contenders: [...contenders(ctx), serial],
    bennyFigure: 'tasksPerSec',
    notes: [`efficiency divides by min(agents, available cores) = ${cores}; the serial row is the same tasks run one after another on the main thread in the same round`],
    figures: [TASKS_PER_SEC, { key: 'efficiency', label: 'efficiency', unit: 'ratio', better: 'higher', pick: (r) => r.efficiency, digits: 3 }, ...USAGE_FIGURES],
    async unit(session, round) {
      prepared ??= work.prepare();
      const label = `${work.name} ${session.contender.label} round ${round}`;
      if (session.contender === serial) {
        for (let i = 0; i < work.warmup; i++) prepared.serialTask(i);
        const result = await bennyTime(label, async () => {
          for (let i = 0; i < work.tasks; i++) prepared.serialTask(i);
        }, session);
        return { tasksPerSec: work.tasks / result.details.mean, serialSec: result.details.mean, efficiency: undefined };
      }
      const handle = await session.open({ agents, kind: work.kind, outstanding });
      return timeBatch(session, label, handle, { warmup: work.warmup, warmupMs: ctx.warmupMs, tasks: work.tasks, outstanding, payload: prepared.payload, check: prepared.check });
    },
    /** Efficiency needs the same round's serial time: filled in once the round's rows are in. */
    finish(rounds) {
      for (const r of rounds) {
        const s = rounds.find((x) => x.round === r.round && x.serialSec !== undefined);
        if (r.serialSec === undefined && s !== undefined) r.efficiency = s.serialSec / (r.batchSec * cores);
      }
    },
  };
}

/** Spin tasks: xorshift rounds calibrated to about 1 ms on the main thread. */
function spinCase(ctx) {
  const tasks = ctx.quick ? 200 : 1_500;
  return cpuBoundCase(ctx, {
    name: 'cpu-1ms',
    what: 'CPU-bound tasks of about 1 ms (xorshift rounds, calibrated on the main thread)',
    kind: 'cpu',
    tasks,
    warmup: warmupTasks(ctx, tasks, 100),
    prepare() {
      const iterations = calibrate(1);
      return { payload: (i) => ({ i, iterations }), serialTask: () => burn(iterations), check: expectIndex, params: { iterationsPerTask: iterations } };
    },
  });
}

const DEFLATE_BYTES = 256 * 1_024;
const DEFLATE_LEVEL = 6;
const DEFLATE_VARIANTS = 4;

/** A real library function over real input: zlib.deflateSync of 256 KB of prose, logs and JSON. */
function deflateCase(ctx) {
  const tasks = ctx.quick ? 40 : 120;
  return cpuBoundCase(ctx, {
    name: 'cpu-deflate-256kb',
    what: `zlib.deflateSync (level ${DEFLATE_LEVEL}) of a generated ${DEFLATE_BYTES / 1_024} KB text (prose, server log lines and JSON records; ${DEFLATE_VARIANTS} variants, task i takes variant i mod ${DEFLATE_VARIANTS}), built once per agent; the answer's compressed size is checked against the main thread's`,
    kind: 'deflate',
    tasks,
    // Enough for every agent to get a task (its first builds every variant) before the timed batch.
    warmup: Math.min(tasks, 8 * DEFLATE_VARIANTS),
    prepare() {
      const expected = [];
      let inputBytes = 0;
      for (let v = 0; v < DEFLATE_VARIANTS; v++) {
        inputBytes = corpusText(v, DEFLATE_BYTES).byteLength;
        expected.push(deflate({ i: 0, variant: v, bytes: DEFLATE_BYTES, level: DEFLATE_LEVEL }).bytes);
      }
      const payload = (i) => ({ i, variant: i % DEFLATE_VARIANTS, variants: DEFLATE_VARIANTS, bytes: DEFLATE_BYTES, level: DEFLATE_LEVEL });
      return {
        payload,
        serialTask: (i) => deflate(payload(i)),
        check(i, value) {
          expectIndex(i, value);
          if (value.bytes !== expected[i % DEFLATE_VARIANTS]) throw new Error(`task ${i}: deflated to ${value.bytes} bytes, the main thread got ${expected[i % DEFLATE_VARIANTS]}`);
        },
        params: { inputBytes, level: DEFLATE_LEVEL, variants: DEFLATE_VARIANTS, compressedBytes: expected, compressionRatio: Number((inputBytes / median(expected)).toFixed(2)) },
      };
    },
  });
}

function payloadCases(ctx) {
  const agents = ctx.agents ?? 2;
  const outstanding = 100;
  const specs = [
    { name: 'payload-1kb-cloned', bytes: 1_024, tasks: ctx.quick ? 1_000 : 20_000, transfer: false },
    { name: 'payload-64kb-cloned', bytes: 64 * 1_024, tasks: ctx.quick ? 300 : 5_000, transfer: false },
    { name: 'payload-1mb-transferred', bytes: 1_024 * 1_024, tasks: ctx.quick ? 60 : 1_000, transfer: true },
  ];
  return specs.map((spec) => ({
    suite: SUITE,
    name: spec.name,
    description: `payload { i, data: Uint8Array(${spec.bytes}) } ${spec.transfer ? 'transferred (a fresh ArrayBuffer per task, in the transfer list)' : 'cloned (one buffer, copied per task)'}, answer { i, bytes }, ${spec.tasks} tasks, ${outstanding} outstanding, ${agents} agent(s)`,
    params: { tasks: spec.tasks, outstanding, agents, bytes: spec.bytes, transferred: spec.transfer, warmupTasks: warmupTasks(ctx, spec.tasks, outstanding), warmupMs: ctx.warmupMs },
    contenders: contenders(ctx, { variants: spec.bytes === 1_024 ? [PRIVATE_PAYLOADS] : [] }),
    bennyFigure: 'tasksPerSec',
    figures: [TASKS_PER_SEC, { key: 'mbPerSec', label: 'MB/s', unit: 'MB/s', better: 'higher', pick: (r) => (r.tasksPerSec * spec.bytes) / 1e6, digits: 1 }, ...USAGE_FIGURES],
    async unit(session, round) {
      const handle = await session.open({ agents, kind: 'bytes', outstanding });
      const shared = new Uint8Array(spec.bytes).fill(7);
      // Transferred buffers by task index: once a task has answered, its buffer must be detached
      // (moved, not copied); a library that copies instead fails the round.
      const inFlight = new Map();
      const payload = spec.transfer
        ? (i) => {
            const data = new Uint8Array(spec.bytes);
            inFlight.set(i, data.buffer);
            return { i, data };
          }
        : (i) => ({ i, data: shared });
      const check = (i, value) => {
        expectIndex(i, value);
        if (value.bytes !== spec.bytes) throw new Error(`task ${i}: the agent saw ${value.bytes} bytes, not ${spec.bytes}`);
        if (spec.transfer) {
          if (inFlight.get(i).byteLength !== 0) throw new Error(`task ${i}: its payload buffer was copied, not transferred`);
          inFlight.delete(i);
        }
      };
      const transferOf = spec.transfer ? (p) => [p.data.buffer] : undefined;
      const r = await timeBatch(session, `${spec.name} ${session.contender.label} round ${round}`, handle, { warmup: warmupTasks(ctx, spec.tasks, outstanding), warmupMs: ctx.warmupMs, tasks: spec.tasks, outstanding, payload, check, transferOf });
      return r;
    },
  }));
}

export function plan(ctx) {
  return [...noopCases(ctx), spinCase(ctx), deflateCase(ctx), ...payloadCases(ctx)];
}
