// daedalus-pool agent for the benchmarks: the shared task kinds (work.mjs) as handlers of the same
// names, plus the fault ops only daedalus can be measured on (hang detection, timeouts, the soak mix).
import { setTimeout as sleep } from 'node:timers/promises';
import { defineAgent } from '../../dist/workers/agent.js';
import { bytes, cpu, deflate, fault, markStart, noop, stamp } from './work.mjs';

function aborted(signal) {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** Sleeps `ms` unless the task is cancelled first; a cancelled sleep throws the signal's reason. */
async function sleepOrAbort(ms, signal) {
  const ac = new AbortController();
  await Promise.race([sleep(ms, undefined, { signal: ac.signal }).catch(() => {}), aborted(signal)]);
  ac.abort();
  if (signal.aborted) throw signal.reason;
}

class RetryableError extends Error {
  constructor() {
    super('bench soak: transient failure');
    this.code = 'E_BENCH_RETRY';
    this.retryable = true;
  }
}

/**
 * The soak fault mix (the same proportions as the chaos soak test), one op per task. Every fault is transient (first attempt only), so a
 * pool that fails over completes every task that was not aborted.
 */
async function soak(payload, ctx) {
  const op = ctx.attempt === 1 ? payload.op : 'echo';
  switch (op) {
    case 'exit':
      process.exit(1);
      break;
    case 'timerThrow':
      setTimeout(() => {
        throw new Error('bench soak: uncaught error in a timer');
      }, 0);
      await sleep(60_000);
      break;
    case 'hang':
      for (;;);
    case 'oom':
      return fault({ op: 'oom' });
    case 'retryable':
      throw new RetryableError();
    case 'sleep':
      await sleepOrAbort(payload.ms, ctx.signal);
      break;
    case 'echo':
      break;
    default:
      throw new Error(`bench soak: unknown op ${op}`);
  }
  return { i: payload.i, attempt: ctx.attempt };
}

/** The shared fault ops plus `hang` (a synchronous loop, no heartbeat) and `wait` (until cancelled). */
async function daedalusFault(payload, ctx) {
  if (payload.op === 'hang') {
    markStart(payload, ctx.workerData);
    for (;;);
  }
  if (payload.op === 'wait') {
    markStart(payload, ctx.workerData);
    await aborted(ctx.signal);
    throw ctx.signal.reason;
  }
  return fault(payload, ctx.workerData);
}

export default defineAgent({
  handlers: { noop, cpu, deflate, bytes, stamp, fault: daedalusFault, soak },
});
