// What a measured phase cost the main thread: its own CPU time, its event-loop utilization,
// and (for comparison) the whole process's CPU time, and the main isolate's heap after a forced
// gc.
//
// process.cpuUsage() is getrusage(RUSAGE_SELF): every thread of the process, agents included,
// so it cannot say what the main thread spent. The main thread's own CPU time comes from
// process.threadCpuUsage() where Node has it (>= 23.9), else from Linux's per-thread scheduler
// counter /proc/self/task/<pid>/schedstat (nanoseconds on CPU; the main thread's tid is the
// pid), else from the per-thread utime + stime of /proc/self/task/<pid>/stat (clock ticks).
// Where none of these exist the figure falls back to process.cpuUsage() and says so.
import { readFileSync } from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';

const TASK_DIR = `/proc/self/task/${process.pid}`;
/** Linux's USER_HZ: 100 on every mainstream architecture. */
const CLOCK_TICKS_PER_SEC = 100;

function readSchedstatUs() {
  return Number(readFileSync(`${TASK_DIR}/schedstat`, 'utf8').split(' ')[0]) / 1_000;
}

function readStatUs() {
  // Fields after the ")" that closes the command name; utime and stime are fields 14 and 15.
  const text = readFileSync(`${TASK_DIR}/stat`, 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS_PER_SEC;
}

function works(read) {
  try {
    const a = read();
    return Number.isFinite(a) && a >= 0;
  } catch {
    return false;
  }
}

/** { source, read() -> microseconds of CPU the main thread has used } for this platform. */
function pickMainThreadClock() {
  if (typeof process.threadCpuUsage === 'function') {
    return {
      source: 'process.threadCpuUsage()',
      read: () => {
        const u = process.threadCpuUsage();
        return u.user + u.system;
      },
    };
  }
  if (works(readSchedstatUs)) return { source: `${TASK_DIR}/schedstat (ns on CPU)`, read: readSchedstatUs };
  if (works(readStatUs)) return { source: `${TASK_DIR}/stat utime+stime (10 ms ticks)`, read: readStatUs };
  return {
    source: 'process.cpuUsage() (all threads: no per-thread clock here)',
    read: () => {
      const u = process.cpuUsage();
      return u.user + u.system;
    },
  };
}

const mainClock = pickMainThreadClock();

/** Where the main thread's CPU time comes from (into the results JSON). */
export const MAIN_CPU_SOURCE = mainClock.source;

const processCpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

/**
 * An accumulator of main-thread usage over one or more measured spans (benny may run the op
 * more than once): `measure(fn, tasks)` runs the async `fn`, which does `tasks` tasks, and adds
 * its cost; `result()` divides by the tasks of all spans.
 */
export function usageMeter() {
  let mainUs = 0;
  let procUs = 0;
  let idle = 0;
  let active = 0;
  let spans = 0;
  let tasks = 0;
  return {
    async measure(fn, spanTasks) {
      const e0 = performance.eventLoopUtilization();
      const m0 = mainClock.read();
      const p0 = processCpuUs();
      try {
        return await fn();
      } finally {
        const m1 = mainClock.read();
        const p1 = processCpuUs();
        const e = performance.eventLoopUtilization(e0);
        mainUs += m1 - m0;
        procUs += p1 - p0;
        idle += e.idle;
        active += e.active;
        spans++;
        tasks += spanTasks;
      }
    },
    /** Per-task figures over every measured span. */
    result() {
      return {
        mainCpuUsPerTask: tasks > 0 ? mainUs / tasks : undefined,
        processCpuUsPerTask: tasks > 0 ? procUs / tasks : undefined,
        mainElu: idle + active > 0 ? active / (idle + active) : undefined,
        usage: { spans, tasks, mainCpuUs: mainUs, processCpuUs: procUs, eluActiveMs: active, eluIdleMs: idle, mainCpuSource: MAIN_CPU_SOURCE },
      };
    },
  };
}

/** The figures every throughput case gets from usageMeter().result(): table rows and JSON keys. */
export const USAGE_FIGURES = Object.freeze([
  { key: 'mainCpuUsPerTask', label: 'main-thread CPU/task (us)', unit: 'us', better: 'lower', pick: (r) => r.mainCpuUsPerTask, digits: 2 },
  { key: 'mainElu', label: 'main-thread ELU', unit: 'ratio', better: 'lower', pick: (r) => r.mainElu, digits: 3 },
  // JSON only (table: false): process.cpuUsage() counts every thread, the agents' work included.
  { key: 'processCpuUsPerTask', label: 'process CPU/task, all threads (us)', unit: 'us', better: 'lower', pick: (r) => r.processCpuUsPerTask, digits: 2, table: false },
]);

let gcFn;
/**
 * The gc() function: the global one under --expose-gc, else one from a fresh context after
 * turning the flag on at run time (as test/helpers.mjs exposeGc() does).
 */
export function forcedGc() {
  if (gcFn !== undefined) return gcFn;
  if (typeof globalThis.gc === 'function') {
    gcFn = globalThis.gc;
  } else {
    v8.setFlagsFromString('--expose-gc');
    gcFn = vm.runInNewContext('gc');
  }
  return gcFn;
}

/**
 * The main isolate's heap after full collections on successive event-loop turns (so objects
 * freed by finalizers and settled promises are gone too): { heapUsed, heapTotal, external,
 * arrayBuffers, rss } in bytes.
 */
export async function settledHeap(turns = 3) {
  const gc = forcedGc();
  for (let k = 0; k < turns; k++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  gc();
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, rss: m.rss };
}
