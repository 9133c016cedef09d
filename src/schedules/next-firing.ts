import type { Cron } from 'croner';

/**
 * A schedule's timing once checked (see spec.ts). An interval keeps its grid's
 * origin so every planned time is `anchorMs + k * everyMs`: computing the next
 * one from the grid rather than from "now" is what keeps a schedule from
 * drifting by each timer's lateness.
 */
export type FiringSpec =
  | { readonly kind: 'every'; readonly everyMs: number; readonly anchorMs: number }
  | { readonly kind: 'cron'; readonly pattern: string; readonly tz: string | undefined; readonly cron: Cron };

/**
 * Counting the cron times a long stall skipped means walking them one by one
 * through croner, about 0.1 ms a step with a time zone, inside a timer callback
 * on the pool's thread: the count stops here (it is a report, not a debt).
 */
export const MAX_MISSED_COUNTED = 100;

/** The first planned time strictly after `afterMs` (epoch ms), or undefined when the pattern has none. */
export function nextFiringMs(spec: FiringSpec, afterMs: number): number | undefined {
  if (spec.kind === 'cron') return spec.cron.nextRun(new Date(afterMs))?.getTime() ?? undefined;
  const { everyMs, anchorMs } = spec;
  if (afterMs < anchorMs) return anchorMs;
  let k = Math.floor((afterMs - anchorMs) / everyMs) + 1;
  // Floating-point division can land one step short of an exact multiple.
  while (anchorMs + k * everyMs <= afterMs) k++;
  return anchorMs + k * everyMs;
}

/** How many planned times lie in (afterMs, untilMs]: the ones a late wake-up at untilMs folds into one firing. */
export function firingsBetween(spec: FiringSpec, afterMs: number, untilMs: number): number {
  const first = nextFiringMs(spec, afterMs);
  if (first === undefined || first > untilMs) return 0;
  if (spec.kind === 'every') {
    let count = Math.floor((untilMs - first) / spec.everyMs) + 1;
    // As above, the division may be off by one at an exact multiple.
    while (first + count * spec.everyMs <= untilMs) count++;
    while (count > 1 && first + (count - 1) * spec.everyMs > untilMs) count--;
    return count;
  }
  let count = 1;
  let atMs = first;
  while (count < MAX_MISSED_COUNTED) {
    const next = nextFiringMs(spec, atMs);
    if (next === undefined || next > untilMs) break;
    count++;
    atMs = next;
  }
  return count;
}
