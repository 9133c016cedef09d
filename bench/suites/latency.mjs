// Latency suites (HDR histograms in microseconds): idle round trip, assignment latency with 1
// and with 100 tasks outstanding (fairness against the queue-wait floor), and the idle gap an
// agent leaves between one task and the next while work waits.
import { expectIndex, wallMs, warmUp, windowed } from '../lib/drive.mjs';
import { contenders } from '../lib/rounds.mjs';
import { closeHistogram, median, recordUs, usHistogram } from '../lib/stats.mjs';

const SUITE = 'latency';
const SPIN_US = 300;

const percentileFigures = (prefix = '') => [
  { key: 'p50Us', label: `${prefix}p50 (us)`, unit: 'us', better: 'lower', pick: (r) => r.p50Us, digits: 0 },
  { key: 'p90Us', label: `${prefix}p90 (us)`, unit: 'us', better: 'lower', pick: (r) => r.p90Us, digits: 0 },
  { key: 'p99Us', label: `${prefix}p99 (us)`, unit: 'us', better: 'lower', pick: (r) => r.p99Us, digits: 0 },
  { key: 'p999Us', label: `${prefix}p99.9 (us)`, unit: 'us', better: 'lower', pick: (r) => r.p999Us, digits: 0 },
  { key: 'maxUs', label: `${prefix}max (us)`, unit: 'us', better: 'lower', pick: (r) => r.maxUs, digits: 0 },
];

/**
 * The pool's own view, for daedalus rows: what it measured beside what the bench measured,
 * with its encoded HDR histograms when the build has exportHistograms().
 */
function poolReport(session, handle) {
  if (session.contender.adapter?.name !== 'daedalus') return {};
  const m = handle.pool.metrics();
  const histograms = typeof handle.pool.exportHistograms === 'function' ? handle.pool.exportHistograms() : undefined;
  return { poolReported: { assignmentLatencyMs: m.assignmentLatencyMs, runTimeMs: m.runTimeMs, endToEndMs: m.endToEndMs, histograms } };
}

function idleRoundTrip(ctx) {
  const agents = ctx.agents ?? 2;
  const trips = ctx.quick ? 300 : 5_000;
  const warmup = ctx.quick ? 50 : 500;
  return {
    suite: SUITE,
    name: 'idle-round-trip',
    description: `one no-op task in flight at a time: ${trips} sequential round trips (submit to result, main-thread clock) after ${warmup} untimed, ${agents} agent(s)`,
    params: { trips, warmup, warmupMs: ctx.warmupMs, agents, idleSpinUs: SPIN_US },
    contenders: contenders(ctx, {
      variants: [
        { label: 'daedalus block', tuning: { idleWait: 'block' } },
        { label: 'daedalus spin', tuning: { idleWait: 'block', idleSpinUs: SPIN_US } },
      ],
    }),
    notes: [
      '"daedalus block" is daedalus with idleWait: \'block\' (idle agents sleep in Atomics.wait, like piscina\'s default)',
      `"daedalus spin" adds idleSpinUs: ${SPIN_US} (an idle agent polls this long before it sleeps): the opt-in low-latency mode`,
    ],
    figures: percentileFigures(),
    async unit(session) {
      const handle = await session.open({ agents, kind: 'noop' });
      const trip = async (histogram) => {
        for (let i = 0; i < (histogram ? trips : warmup); i++) {
          const t0 = performance.now();
          const value = await handle.run({ i });
          if (histogram) recordUs(histogram, (performance.now() - t0) * 1000);
          expectIndex(i, value);
        }
      };
      await session.guard(warmUp(() => trip(undefined), ctx.warmupMs), 'warm-up');
      const histogram = usHistogram();
      try {
        await session.guard(trip(histogram), 'round trips');
      } catch (err) {
        histogram.destroy();
        throw err;
      }
      return closeHistogram(histogram);
    },
  };
}

/** p50 and p99 of `values` (microseconds), through an HDR histogram like every latency figure. */
function percentilesUs(values) {
  const histogram = usHistogram();
  for (const us of values) recordUs(histogram, us);
  const { p50Us, p99Us } = closeHistogram(histogram);
  return { p50Us, p99Us };
}

/**
 * The idle round trip cut into its hops, each timed with the wall clock on the thread where it
 * happens (performance.timeOrigin + performance.now(), one time base across threads): there =
 * submit to handler start (admission, wake-up, claim, payload decode), handler = start to end of
 * an empty handler, back = handler end to the caller's await resuming (outcome encode, publish,
 * main-thread wake-up, settlement, promise). Says which hop a round trip loses time in.
 */
function roundTripHops(ctx) {
  const agents = ctx.agents ?? 2;
  const trips = ctx.quick ? 300 : 5_000;
  const warmup = ctx.quick ? 50 : 500;
  const hopFigures = ['there', 'handler', 'back'].flatMap((hop) => [
    { key: `${hop}P50Us`, label: `${hop} p50 (us)`, unit: 'us', better: 'lower', pick: (r) => r[`${hop}P50Us`], digits: 0 },
    { key: `${hop}P99Us`, label: `${hop} p99 (us)`, unit: 'us', better: 'lower', pick: (r) => r[`${hop}P99Us`], digits: 0 },
  ]);
  return {
    suite: SUITE,
    name: 'round-trip-hops',
    description: `the idle round trip in hops (there: submit to handler start; handler; back: handler end to the awaiting caller), ${trips} sequential trips after ${warmup} untimed, ${agents} agent(s)`,
    params: { trips, warmup, warmupMs: ctx.warmupMs, agents },
    contenders: contenders(ctx),
    figures: hopFigures,
    async unit(session) {
      const handle = await session.open({ agents, kind: 'stamp' });
      const hops = { there: [], handler: [], back: [] };
      const trip = async (record) => {
        for (let i = 0; i < (record ? trips : warmup); i++) {
          const submittedAtMs = wallMs();
          const value = await handle.run({ i, spinMs: 0 });
          const resumedAtMs = wallMs();
          expectIndex(i, value);
          if (!record) continue;
          hops.there.push((value.start - submittedAtMs) * 1000);
          hops.handler.push((value.end - value.start) * 1000);
          hops.back.push((resumedAtMs - value.end) * 1000);
        }
      };
      await session.guard(warmUp(() => trip(false), ctx.warmupMs), 'warm-up');
      await session.guard(trip(true), 'round trips');
      const out = {};
      for (const [hop, values] of Object.entries(hops)) {
        const { p50Us, p99Us } = percentilesUs(values);
        out[`${hop}P50Us`] = p50Us;
        out[`${hop}P99Us`] = p99Us;
      }
      return out;
    },
  };
}

/**
 * Assignment latency: submit (main thread) to handler start (agent), both as
 * performance.timeOrigin + performance.now(). Each task spins `taskMs`; `outstanding` tasks
 * are kept submitted. With a backlog, a new task cannot start before the ones ahead of it
 * have run: the floor is outstanding x task time / agents, and p99 over that floor says how
 * fair (FIFO) the queue is.
 */
function assignment(ctx, outstanding) {
  const agents = ctx.agents ?? 1;
  const taskMs = 1;
  const warmup = outstanding === 1 ? 20 : 2 * outstanding;
  const tasks = ctx.quick ? (outstanding === 1 ? 100 : 200) : outstanding === 1 ? 1_000 : 1_500;
  const withFloor = outstanding > 1;
  const figures = [
    { key: 'p50Us', label: 'p50 (us)', unit: 'us', better: 'lower', pick: (r) => r.p50Us, digits: 0 },
    { key: 'p99Us', label: 'p99 (us)', unit: 'us', better: 'lower', pick: (r) => r.p99Us, digits: 0 },
    { key: 'maxUs', label: 'max (us)', unit: 'us', better: 'lower', pick: (r) => r.maxUs, digits: 0 },
  ];
  if (withFloor) {
    figures.push(
      { key: 'floorUs', label: 'floor (us)', unit: 'us', better: 'none', pick: (r) => r.floorUs, digits: 0 },
      { key: 'fairness', label: 'p99 / floor', unit: 'ratio', better: 'lower', pick: (r) => r.p99Us / r.floorUs, digits: 2 },
    );
  }
  return {
    suite: SUITE,
    name: `assignment-${outstanding}-outstanding`,
    description: `assignment latency (submit to handler start, wall clock on both sides), tasks spinning ${taskMs} ms, ${outstanding} outstanding, ${agents} agent(s), ${tasks} tasks measured after ${warmup} untimed`,
    params: { outstanding, agents, taskMs, tasks, warmup, warmupMs: ctx.warmupMs },
    contenders: contenders(ctx),
    notes: withFloor ? [`floor = ${outstanding} outstanding x median task run time / ${agents} agent(s), measured in the same run; p99 / floor near 1 means first come, first served`] : [],
    figures,
    async unit(session) {
      const handle = await session.open({ agents, kind: 'stamp', outstanding });
      const submittedAt = new Float64Array(warmup + tasks);
      const runMs = [];
      const histogram = usHistogram();
      const submit = (i) => {
        submittedAt[i] = wallMs();
        return handle.run({ i, spinMs: taskMs });
      };
      const onResult = (i, value) => {
        expectIndex(i, value);
        if (i < warmup) return;
        recordUs(histogram, (value.start - submittedAt[i]) * 1000);
        runMs.push(value.end - value.start);
      };
      await session.guard(warmUp(() => windowed((i) => handle.run({ i, spinMs: taskMs }), warmup, outstanding, expectIndex), ctx.warmupMs), 'warm-up');
      try {
        // The first `warmup` of these fill the window again; only what follows is timed.
        await session.guard(windowed(submit, warmup + tasks, outstanding, onResult), 'tasks');
      } catch (err) {
        histogram.destroy();
        throw err;
      }
      const taskRunMs = median(runMs);
      return { ...closeHistogram(histogram), taskRunMs, floorUs: withFloor ? ((outstanding * taskRunMs) / agents) * 1000 : undefined, ...poolReport(session, handle) };
    },
  };
}

/**
 * Idle gap: while work waits, how long an agent sits between the end of one task and the
 * start of the next (both stamped by the handler on the agent's thread). Only pairs where the
 * next task had been submitted before the previous one ended count: the agent had work.
 */
function idleGap(ctx) {
  const agents = ctx.agents ?? 2;
  const outstanding = 100;
  const taskMs = 1;
  const warmup = ctx.quick ? 100 : 200;
  const tasks = ctx.quick ? 300 : 2_000;
  return {
    suite: SUITE,
    name: 'idle-gap',
    description: `gap on one agent between a task's end and its next task's start while work waits (handler-stamped), tasks spinning ${taskMs} ms, ${outstanding} outstanding, ${agents} agent(s), ${tasks} tasks after ${warmup} untimed`,
    params: { outstanding, agents, taskMs, tasks, warmup, warmupMs: ctx.warmupMs },
    contenders: contenders(ctx),
    figures: [
      { key: 'p50Us', label: 'p50 (us)', unit: 'us', better: 'lower', pick: (r) => r.p50Us, digits: 0 },
      { key: 'p99Us', label: 'p99 (us)', unit: 'us', better: 'lower', pick: (r) => r.p99Us, digits: 0 },
      { key: 'maxUs', label: 'max (us)', unit: 'us', better: 'lower', pick: (r) => r.maxUs, digits: 0 },
    ],
    async unit(session) {
      const handle = await session.open({ agents, kind: 'stamp', outstanding });
      const submittedAt = new Float64Array(tasks);
      const answers = [];
      await session.guard(warmUp(() => windowed((i) => handle.run({ i, spinMs: taskMs }), warmup, outstanding, expectIndex), ctx.warmupMs), 'warm-up');
      const submit = (i) => {
        submittedAt[i] = wallMs();
        return handle.run({ i, spinMs: taskMs });
      };
      await session.guard(
        windowed(submit, tasks, outstanding, (i, value) => {
          expectIndex(i, value);
          answers.push({ ...value, submittedAt: submittedAt[i] });
        }),
        'tasks',
      );
      const byThread = new Map();
      for (const a of answers) {
        if (!byThread.has(a.threadId)) byThread.set(a.threadId, []);
        byThread.get(a.threadId).push(a);
      }
      const histogram = usHistogram();
      for (const list of byThread.values()) {
        list.sort((x, y) => x.start - y.start);
        for (let k = 1; k < list.length; k++) {
          if (list[k].submittedAt <= list[k - 1].end) recordUs(histogram, (list[k].start - list[k - 1].end) * 1000);
        }
      }
      return { ...closeHistogram(histogram), threads: byThread.size, tasksPerThread: [...byThread.values()].map((l) => l.length) };
    },
  };
}

export function plan(ctx) {
  return [idleRoundTrip(ctx), roundTripHops(ctx), assignment(ctx, 1), assignment(ctx, 100), idleGap(ctx)];
}
