// Heap after many tasks: a long stream of no-op tasks at 1,000 outstanding through one pool per
// library, with the main thread's heap (heapUsed after forced full collections) read before the
// first task and after every tenth of the stream. A pool that keeps something per task (a map
// entry, a closure, a histogram sample list) shows it as growth from the first tenth to the end;
// a flat heap stays within noise. One round: the figure is a trend within a run, not a spread.
import { expectIndex, windowed } from '../lib/drive.mjs';
import { contenders } from '../lib/rounds.mjs';
import { settledHeap, usageMeter } from '../lib/usage.mjs';

const SUITE = 'heap';
const OUTSTANDING = 1_000;
const SEGMENTS = 10;
const MB = 1_024 * 1_024;

/** 1000000 -> "1M", 100000 -> "100k". */
export function countLabel(n) {
  if (n >= 1e6 && n % 1e6 === 0) return `${n / 1e6}M`;
  if (n >= 1e3 && n % 1e3 === 0) return `${n / 1e3}k`;
  return String(n);
}

/** Growth this small (bytes, from the first tenth of the stream to its end) counts as flat. */
export const FLAT_BYTES = MB;

export function plan(ctx) {
  const agents = ctx.agents ?? 2;
  const tasks = ctx.heapTasks ?? (ctx.quick ? 100_000 : 1_000_000);
  const step = Math.max(1, Math.floor(tasks / SEGMENTS));
  const checkpoints = [0];
  for (let n = step; n < tasks; n += step) checkpoints.push(n);
  checkpoints.push(tasks);
  const first = countLabel(step);
  const all = countLabel(tasks);
  return [
    {
      suite: SUITE,
      name: `heap-${all}-tasks`,
      description: `${tasks} no-op tasks (small object payload) at ${OUTSTANDING} outstanding, ${agents} agent(s), one pool; main-thread heapUsed after forced gc before the first task and after every ${step}; growth = heap at ${all} - heap at ${first}`,
      params: { tasks, outstanding: OUTSTANDING, agents, checkpoints, flatBytes: FLAT_BYTES },
      contenders: contenders(ctx),
      rounds: 1,
      notes: [`heap = process.memoryUsage().heapUsed of the main thread after full collections (gc via --expose-gc); "flat" in the summary means growth from ${first} to ${all} tasks of at most ${FLAT_BYTES / MB} MB`],
      figures: [
        { key: 'heap0MB', label: 'heap at 0 (MB)', unit: 'MB', better: 'none', pick: (r) => r.heapMB[0], digits: 2 },
        { key: 'heapFirstMB', label: `heap at ${first} (MB)`, unit: 'MB', better: 'none', pick: (r) => r.heapMB[1], digits: 2 },
        { key: 'heapEndMB', label: `heap at ${all} (MB)`, unit: 'MB', better: 'none', pick: (r) => r.heapMB.at(-1), digits: 2 },
        { key: 'growthKB', label: `growth ${first} -> ${all} (KB)`, unit: 'KB', better: 'lower', pick: (r) => r.growthBytes / 1_024, digits: 0 },
        { key: 'growthBytesPerTask', label: 'growth per task (bytes)', unit: 'bytes', better: 'lower', pick: (r) => r.growthBytes / (tasks - step), digits: 3 },
        { key: 'tasksPerSec', label: 'tasks/s (whole stream)', unit: 'tasks/s', better: 'higher', pick: (r) => r.tasksPerSec, digits: 0 },
        { key: 'mainCpuUsPerTask', label: 'main-thread CPU/task (us)', unit: 'us', better: 'lower', pick: (r) => r.mainCpuUsPerTask, digits: 2 },
      ],
      async unit(session) {
        const handle = await session.open({ agents, kind: 'noop', outstanding: OUTSTANDING });
        const heaps = [await settledHeap()];
        const meter = usageMeter();
        let runMs = 0;
        for (let k = 1; k < checkpoints.length; k++) {
          const base = checkpoints[k - 1];
          const count = checkpoints[k] - base;
          const submit = (j) => handle.run({ i: base + j, op: 'noop', args: [1, 2, 3] });
          const check = (j, value) => expectIndex(base + j, value);
          const t0 = performance.now();
          await session.guard(meter.measure(() => windowed(submit, count, OUTSTANDING, check), count), `tasks ${base}-${checkpoints[k]}`);
          runMs += performance.now() - t0;
          session.phase = `heap at ${checkpoints[k]}`;
          heaps.push(await settledHeap());
        }
        const heapMB = heaps.map((h) => h.heapUsed / MB);
        return {
          checkpoints,
          heaps,
          heapMB,
          growthBytes: heaps.at(-1).heapUsed - heaps[1].heapUsed,
          tasksPerSec: tasks / (runMs / 1000),
          ...meter.result(),
        };
      },
    },
  ];
}
