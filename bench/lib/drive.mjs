// Ways of feeding a pool: a window of outstanding tasks (all at once when the window covers
// them all), and sequential round trips; and the warm-up rule every timed case follows.

/** Untimed warm-up per pool in a full run: at least this much wall time (see warmUp). */
export const WARMUP_MS = 1_500;

/**
 * The untimed warm-up of one pool, under the same rule for every library: `batch()` (the
 * case's own warm-up batch, a promise) runs once, then again until `minMs` of wall time
 * have passed since it began. A pool's fresh agent isolates compile their hot code in their
 * first second or so: TurboFan jobs on V8's platform threads, which on a small machine take
 * cores from the agents and the main thread. A fixed count of a few hundred tasks ended that
 * for a pool with little agent code and not for one with more, so a timed batch mixed start-up
 * into the steady state it reports. Resolves to how many batches ran.
 */
export async function warmUp(batch, minMs) {
  const startedAt = performance.now();
  let batches = 0;
  do {
    await batch();
    batches++;
  } while (performance.now() - startedAt < minMs);
  return batches;
}

/**
 * Runs tasks 0..total-1 with at most `outstanding` submitted and unsettled at any time; an
 * `outstanding` of `total` or more submits them all at once. `submit(i)` starts task i and
 * returns its promise; `onResult(i, value)` sees each result and may throw to fail the batch.
 * Resolves when every task has settled; rejects with the first failure.
 */
export function windowed(submit, total, outstanding, onResult = () => {}) {
  return new Promise((resolve, reject) => {
    let next = 0;
    let active = 0;
    let done = 0;
    let failed = false;
    const fail = (err, i) => {
      if (failed) return;
      failed = true;
      if (err instanceof Error && err.taskIndex === undefined) err.taskIndex = i;
      reject(err);
    };
    const settled = (i, value) => {
      active--;
      if (failed) return;
      try {
        onResult(i, value);
      } catch (err) {
        fail(err, i);
        return;
      }
      done++;
      if (done === total) resolve();
      else launch();
    };
    const launch = () => {
      while (!failed && active < outstanding && next < total) {
        const i = next++;
        active++;
        let promise;
        try {
          promise = submit(i);
        } catch (err) {
          fail(err, i);
          return;
        }
        promise.then(
          (value) => settled(i, value),
          (err) => {
            active--;
            fail(err, i);
          },
        );
      }
    };
    if (total === 0) resolve();
    else launch();
  });
}

/** A result check for `windowed`: throws when a task's answer does not carry its own index. */
export function expectIndex(i, value) {
  if (value?.i !== i) throw new Error(`task ${i} answered ${JSON.stringify(value)?.slice(0, 80)}`);
}

/** Spins the calling thread for `ms` (the bench's way of keeping the main thread busy). */
export function busyWait(ms) {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

export const wallMs = () => performance.timeOrigin + performance.now();

export const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
