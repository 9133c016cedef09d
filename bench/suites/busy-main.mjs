// Busy main thread: a backlog of 1 ms tasks while the main thread is blocked 80% of the time
// in 20 ms slices (busy-wait 20 ms, yield 5 ms), against the same backlog with the main thread
// idle. Throughput counts work done: from the first submit to the last handler's end (stamped
// on the agent), so it does not depend on when the blocked main thread notices results.
import { busyWait, expectIndex, pause, wallMs, warmUp, windowed } from '../lib/drive.mjs';
import { contenders } from '../lib/rounds.mjs';

const SUITE = 'busy-main';
const BLOCK_MS = 20;
const YIELD_MS = 5;

export function plan(ctx) {
  const agents = ctx.agents ?? 2;
  const taskMs = 1;
  const tasks = ctx.quick ? 200 : 1_500;
  const warmup = ctx.quick ? 50 : 200;

  /** Submits the whole backlog at once; resolves to tasks/s of work done (first submit to last handler end). */
  async function backlog(session, handle, busy, phase) {
    let lastEnd = 0;
    let settled = false;
    const t0 = wallMs();
    const all = windowed((i) => handle.run({ i, spinMs: taskMs }), tasks, tasks, (i, value) => {
      expectIndex(i, value);
      lastEnd = Math.max(lastEnd, value.end);
    }).finally(() => {
      settled = true;
    });
    try {
      if (busy) {
        // The blocking loop runs beside the backlog; it stops once every task has settled
        // (or the phase gave up on them: see finally).
        const blocker = (async () => {
          while (!settled) {
            busyWait(BLOCK_MS);
            await pause(YIELD_MS);
          }
        })();
        await session.guard(Promise.all([all, blocker]), phase);
      } else {
        await session.guard(all, phase);
      }
    } finally {
      settled = true;
    }
    return tasks / ((lastEnd - t0) / 1000);
  }

  return [
    {
      suite: SUITE,
      name: 'busy-main',
      description: `backlog of ${tasks} tasks spinning ${taskMs} ms, submitted at once, ${agents} agent(s); main thread idle, then blocked ${BLOCK_MS} ms of every ${BLOCK_MS + YIELD_MS} ms`,
      params: { agents, taskMs, tasks, warmup, warmupMs: ctx.warmupMs, blockMs: BLOCK_MS, yieldMs: YIELD_MS },
      contenders: contenders(ctx),
      figures: [
        { key: 'idleTasksPerSec', label: 'idle main: tasks/s', unit: 'tasks/s', better: 'higher', pick: (r) => r.idleTasksPerSec, digits: 0 },
        { key: 'busyTasksPerSec', label: 'busy main: tasks/s', unit: 'tasks/s', better: 'higher', pick: (r) => r.busyTasksPerSec, digits: 0 },
        { key: 'relative', label: 'busy / idle', unit: 'ratio', better: 'higher', pick: (r) => r.busyTasksPerSec / r.idleTasksPerSec, digits: 2 },
      ],
      async unit(session) {
        const handle = await session.open({ agents, kind: 'stamp', outstanding: tasks });
        await session.guard(warmUp(() => windowed((i) => handle.run({ i, spinMs: taskMs }), warmup, warmup, expectIndex), ctx.warmupMs), 'warm-up');
        const idleTasksPerSec = await backlog(session, handle, false, 'idle main');
        const busyTasksPerSec = await backlog(session, handle, true, 'busy main');
        return { idleTasksPerSec, busyTasksPerSec };
      },
    },
  ];
}
