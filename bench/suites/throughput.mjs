// Throughput suites (benny-timed): no-op tasks, CPU-bound tasks against the same work run
// serially on the main thread, and payloads of 1 KB / 64 KB (cloned) and 1 MB (transferred).
import os from 'node:os';
import { burn } from '../agents/work.mjs';
import { bennyTime } from '../lib/benny.mjs';
import { expectIndex, windowed } from '../lib/drive.mjs';
import { median } from '../lib/stats.mjs';
import { contenders } from '../lib/rounds.mjs';

const SUITE = 'throughput';
const SMALL_OBJECT = (i) => ({ i, op: 'noop', args: [1, 2, 3] });

/** Untimed tasks through every fresh pool first: thread start and first-call compilation are not billed. */
const warmupTasks = (ctx, tasks, outstanding) => Math.min(tasks, ctx.quick ? 500 : 2_000, 2 * outstanding);

/** One benny-timed batch of `tasks` through `handle`, `outstanding` at a time; tasks/s and seconds. */
async function timeBatch(session, name, handle, { warmup, tasks, outstanding, payload, check, transferOf }) {
  const submit = (i) => {
    const p = payload(i);
    return handle.run(p, transferOf?.(p));
  };
  await session.guard(windowed(submit, warmup, outstanding, check), 'warm-up');
  const result = await bennyTime(name, () => windowed(submit, tasks, outstanding, check), session);
  return { tasksPerSec: tasks / result.details.mean, batchSec: result.details.mean, benny: { samples: result.samples, details: result.details } };
}

function noopCases(ctx) {
  const tasks = ctx.quick ? 2_000 : 100_000;
  const agentCounts = ctx.agents === undefined ? [1, 2, 4] : [ctx.agents];
  const cases = [];
  for (const mode of ['windowed', 'all-at-once']) {
    const outstanding = mode === 'windowed' ? 1_000 : tasks;
    for (const agents of agentCounts) {
      const name = `noop-${mode}-${agents}a`;
      cases.push({
        suite: SUITE,
        name,
        description: `no-op task, small object payload, ${tasks} tasks, ${mode === 'windowed' ? `${outstanding} outstanding` : 'all submitted at once'}, ${agents} agent(s)`,
        params: { tasks, outstanding, agents, warmupTasks: warmupTasks(ctx, tasks, outstanding) },
        contenders: contenders(ctx),
        bennyFigure: 'tasksPerSec',
        figures: [{ key: 'tasksPerSec', label: 'tasks/s', unit: 'tasks/s', better: 'higher', pick: (r) => r.tasksPerSec, digits: 0 }],
        async unit(session, round) {
          const handle = await session.open({ agents, kind: 'noop', outstanding });
          return timeBatch(session, `${name} ${session.contender.label} round ${round}`, handle, { warmup: warmupTasks(ctx, tasks, outstanding), tasks, outstanding, payload: SMALL_OBJECT, check: expectIndex });
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

function cpuCase(ctx) {
  const agents = ctx.agents ?? 2;
  const tasks = ctx.quick ? 200 : 4_000;
  const outstanding = 100;
  const cores = Math.min(agents, os.availableParallelism());
  let iterations;
  const serial = { label: 'main thread (serial)', tuning: {} };
  return {
    suite: SUITE,
    name: `cpu-1ms-${agents}a`,
    description: `CPU-bound tasks of about 1 ms (calibrated on the main thread), ${tasks} tasks, ${outstanding} outstanding, ${agents} agent(s); efficiency = serial time on the main thread / (pool time x ${cores} usable core(s))`,
    get params() {
      return { tasks, outstanding, agents, usableCores: cores, iterationsPerTask: iterations, warmupTasks: warmupTasks(ctx, tasks, outstanding) };
    },
    contenders: [...contenders(ctx), serial],
    bennyFigure: 'tasksPerSec',
    notes: [`efficiency divides by min(agents, available cores) = ${cores}; the serial row is the same tasks run one after another on the main thread in the same round`],
    figures: [
      { key: 'tasksPerSec', label: 'tasks/s', unit: 'tasks/s', better: 'higher', pick: (r) => r.tasksPerSec, digits: 0 },
      { key: 'efficiency', label: 'efficiency', unit: 'ratio', better: 'higher', pick: (r) => r.efficiency, digits: 3 },
    ],
    async unit(session, round) {
      iterations ??= calibrate(1);
      const label = `cpu ${session.contender.label} round ${round}`;
      if (session.contender === serial) {
        const result = await bennyTime(label, async () => {
          for (let i = 0; i < tasks; i++) burn(iterations);
        }, session);
        return { tasksPerSec: tasks / result.details.mean, serialSec: result.details.mean, efficiency: undefined };
      }
      const handle = await session.open({ agents, kind: 'cpu', outstanding });
      return timeBatch(session, label, handle, { warmup: warmupTasks(ctx, tasks, outstanding), tasks, outstanding, payload: (i) => ({ i, iterations }), check: expectIndex });
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
    params: { tasks: spec.tasks, outstanding, agents, bytes: spec.bytes, transferred: spec.transfer, warmupTasks: warmupTasks(ctx, spec.tasks, outstanding) },
    contenders: contenders(ctx),
    bennyFigure: 'tasksPerSec',
    figures: [
      { key: 'tasksPerSec', label: 'tasks/s', unit: 'tasks/s', better: 'higher', pick: (r) => r.tasksPerSec, digits: 0 },
      { key: 'mbPerSec', label: 'MB/s', unit: 'MB/s', better: 'higher', pick: (r) => (r.tasksPerSec * spec.bytes) / 1e6, digits: 1 },
    ],
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
      const r = await timeBatch(session, `${spec.name} ${session.contender.label} round ${round}`, handle, { warmup: warmupTasks(ctx, spec.tasks, outstanding), tasks: spec.tasks, outstanding, payload, check, transferOf });
      return r;
    },
  }));
}

export function plan(ctx) {
  return [...noopCases(ctx), cpuCase(ctx), ...payloadCases(ctx)];
}
