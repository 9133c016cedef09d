/**
 * What happens to a task after a try went wrong, and how long a crashed agent
 * waits before it is started again. Pure functions: plain inputs, plain outputs.
 */

export interface FailureFacts {
  /** handler: the handler threw or rejected; agent: the agent died, hung or was failed. */
  kind: 'handler' | 'agent';
  /** The handler had started (an agent failure before that costs no attempt). */
  started: boolean;
  /** The handler's error said `retryable: true`. */
  retryable: boolean;
  idempotent: boolean;
  /**
   * The payload's buffers moved into the agent with its hand-off (a transfer
   * list): the caller's copies are detached, so there is nothing to send again.
   */
  payloadMoved: boolean;
  attemptsStarted: number;
  maxAttempts: number;
}

export type RetryDecision =
  | { action: 'requeue'; reason: 'not-started' }
  | { action: 'retry' }
  | { action: 'fail'; reason: 'payload-moved' | 'not-retryable' | 'not-idempotent' | 'attempts-exhausted' };

export function decideAfterFailure(f: FailureFacts): RetryDecision {
  if (!f.started && !f.payloadMoved) return { action: 'requeue', reason: 'not-started' };
  if (f.started && f.kind === 'handler' && !f.retryable) return { action: 'fail', reason: 'not-retryable' };
  // Re-sending moved buffers, started or not, would hand the next agent zero-length ones.
  if (f.payloadMoved) return { action: 'fail', reason: 'payload-moved' };
  if (!f.idempotent) return { action: 'fail', reason: 'not-idempotent' };
  if (f.attemptsStarted >= f.maxAttempts) return { action: 'fail', reason: 'attempts-exhausted' };
  return { action: 'retry' };
}

export const RESTART_BACKOFF = Object.freeze({ baseMs: 100, maxMs: 5_000 });

/**
 * Delay before restarting an agent that has failed `consecutiveFailures` times
 * without completing a task in between. The first restart is immediate (restart
 * time is a product number); a crash loop backs off exponentially to maxMs.
 */
export function restartDelayMs(consecutiveFailures: number, backoff = RESTART_BACKOFF): number {
  if (consecutiveFailures <= 1) return 0;
  return Math.min(backoff.maxMs, backoff.baseMs * 2 ** (consecutiveFailures - 2));
}

/** Start failures in a row, with no agent ready, after which the pool reports itself degraded. */
export const DEGRADED_AFTER_START_FAILURES = 3;

/** Queue-full hint: how long until a slot is likely free, from recent completions per second. */
export function retryAfterMs(depth: number, capacity: number, completionsPerSec: number): number {
  if (!(completionsPerSec > 0)) return 1_000; // also catches NaN
  const surplus = Math.max(1, depth - capacity + 1);
  return Math.max(1, Math.ceil((surplus / completionsPerSec) * 1_000));
}
