// Retry or fail after a failed try; restart backoff; the queue-full retry hint. Pure functions.
import { describe, expect, it } from 'vitest';
import {
  DEGRADED_AFTER_START_FAILURES,
  RESTART_BACKOFF,
  decideAfterFailure,
  restartDelayMs,
  retryAfterMs,
} from '../../dist/src/scheduling/retry.js';

const facts = (over) => ({ kind: 'agent', started: true, retryable: false, idempotent: true, payloadMoved: false, attemptsStarted: 1, maxAttempts: 3, ...over });

describe('decideAfterFailure', () => {
  it('an agent failure before the handler started re-queues without spending an attempt', () => {
    expect(decideAfterFailure(facts({ started: false }))).toEqual({ action: 'requeue', reason: 'not-started' });
    // Even when a re-run would otherwise be forbidden: nothing ran.
    expect(decideAfterFailure(facts({ started: false, idempotent: false, attemptsStarted: 3 }))).toEqual({ action: 'requeue', reason: 'not-started' });
  });

  it('a handler that throws without retryable fails the task at once', () => {
    expect(decideAfterFailure(facts({ kind: 'handler', retryable: false, attemptsStarted: 1 }))).toEqual({ action: 'fail', reason: 'not-retryable' });
  });

  it('a handler error with retryable: true is retried while attempts remain', () => {
    expect(decideAfterFailure(facts({ kind: 'handler', retryable: true, attemptsStarted: 1 }))).toEqual({ action: 'retry' });
    expect(decideAfterFailure(facts({ kind: 'handler', retryable: true, attemptsStarted: 2 }))).toEqual({ action: 'retry' });
  });

  it('a retryable handler error on the last attempt: attempts exhausted', () => {
    expect(decideAfterFailure(facts({ kind: 'handler', retryable: true, attemptsStarted: 3 }))).toEqual({ action: 'fail', reason: 'attempts-exhausted' });
  });

  it('an agent failure after start is retried while attempts remain, whatever the retryable flag says', () => {
    expect(decideAfterFailure(facts({ kind: 'agent', retryable: false, attemptsStarted: 2 }))).toEqual({ action: 'retry' });
    expect(decideAfterFailure(facts({ kind: 'agent', retryable: true, attemptsStarted: 1 }))).toEqual({ action: 'retry' });
  });

  it('an agent failure on the last attempt: attempts exhausted', () => {
    expect(decideAfterFailure(facts({ kind: 'agent', attemptsStarted: 3 }))).toEqual({ action: 'fail', reason: 'attempts-exhausted' });
    expect(decideAfterFailure(facts({ kind: 'agent', attemptsStarted: 1, maxAttempts: 1 }))).toEqual({ action: 'fail', reason: 'attempts-exhausted' });
  });

  it('idempotent: false is never re-run once started, neither after a crash nor after a retryable error', () => {
    expect(decideAfterFailure(facts({ kind: 'agent', idempotent: false, attemptsStarted: 1 }))).toEqual({ action: 'fail', reason: 'not-idempotent' });
    expect(decideAfterFailure(facts({ kind: 'handler', retryable: true, idempotent: false }))).toEqual({ action: 'fail', reason: 'not-idempotent' });
  });

  it('a payload whose buffers moved with the hand-off is never sent again: the task fails, started or not', () => {
    expect(decideAfterFailure(facts({ started: false, payloadMoved: true }))).toEqual({ action: 'fail', reason: 'payload-moved' });
    expect(decideAfterFailure(facts({ kind: 'agent', payloadMoved: true, attemptsStarted: 1 }))).toEqual({ action: 'fail', reason: 'payload-moved' });
    expect(decideAfterFailure(facts({ kind: 'handler', retryable: true, payloadMoved: true }))).toEqual({ action: 'fail', reason: 'payload-moved' });
    // A handler error that is not retryable says so first.
    expect(decideAfterFailure(facts({ kind: 'handler', retryable: false, payloadMoved: true }))).toEqual({ action: 'fail', reason: 'not-retryable' });
  });

  it('every combination obeys the rules', () => {
    for (const kind of ['handler', 'agent']) {
      for (const started of [false, true]) {
        for (const retryable of [false, true]) {
          for (const idempotent of [false, true]) {
            for (const payloadMoved of [false, true]) {
              for (let maxAttempts = 1; maxAttempts <= 4; maxAttempts++) {
                for (let attemptsStarted = 0; attemptsStarted <= maxAttempts; attemptsStarted++) {
                  const f = { kind, started, retryable, idempotent, payloadMoved, attemptsStarted, maxAttempts };
                  const d = decideAfterFailure(f);
                  const where = JSON.stringify(f);
                  expect(d.action === 'requeue', `${where}: requeue exactly when nothing started and the payload can be sent again`).toBe(!started && !payloadMoved);
                  if (payloadMoved) expect(d.action, `${where}: moved buffers are never sent again`).toBe('fail');
                  if (!started) continue;
                  if (d.action === 'retry') {
                    expect(attemptsStarted, `${where}: retry only with attempts left`).toBeLessThan(maxAttempts);
                    expect(idempotent && !payloadMoved, `${where}: retry only when idempotent and the payload can be sent again`).toBe(true);
                    expect(kind === 'agent' || retryable, `${where}: a handler error is retried only when retryable`).toBe(true);
                  } else {
                    expect(d.action, where).toBe('fail');
                    const couldRetry = attemptsStarted < maxAttempts && idempotent && !payloadMoved && (kind === 'agent' || retryable);
                    expect(couldRetry, `${where}: failed although a retry was allowed`).toBe(false);
                  }
                }
              }
            }
          }
        }
      }
    }
  });
});

describe('restartDelayMs', () => {
  it('the first restart is immediate', () => {
    expect(restartDelayMs(0)).toBe(0);
    expect(restartDelayMs(1)).toBe(0);
  });

  it('a crash loop backs off 100, 200, 400 ... ms up to 5 s', () => {
    expect([2, 3, 4, 5, 6, 7].map((n) => restartDelayMs(n))).toEqual([100, 200, 400, 800, 1_600, 3_200]);
    expect(restartDelayMs(8)).toBe(5_000);
    expect(restartDelayMs(50)).toBe(5_000);
    expect(restartDelayMs(100_000)).toBe(5_000);
  });

  it('never decreases as failures add up and never passes the cap', () => {
    let previous = 0;
    for (let n = 0; n <= 2_000; n++) {
      const d = restartDelayMs(n);
      expect(d, `n=${n}`).toBeGreaterThanOrEqual(previous);
      expect(d, `n=${n}`).toBeLessThanOrEqual(RESTART_BACKOFF.maxMs);
      previous = d;
    }
  });

  it('honours a custom backoff', () => {
    const backoff = { baseMs: 10, maxMs: 50 };
    expect([1, 2, 3, 4, 5, 6].map((n) => restartDelayMs(n, backoff))).toEqual([0, 10, 20, 40, 50, 50]);
  });

  it('the default backoff is 100 ms .. 5 s, and degraded comes after 3 start failures', () => {
    expect(RESTART_BACKOFF).toEqual({ baseMs: 100, maxMs: 5_000 });
    expect(Object.isFrozen(RESTART_BACKOFF)).toBe(true);
    expect(DEGRADED_AFTER_START_FAILURES).toBe(3);
  });
});

describe('retryAfterMs', () => {
  it('no recent throughput: a one-second hint', () => {
    expect(retryAfterMs(100, 100, 0)).toBe(1_000);
    expect(retryAfterMs(100, 100, -5)).toBe(1_000);
  });

  it('at capacity: the time for one completion', () => {
    expect(retryAfterMs(100, 100, 10)).toBe(100);
    expect(retryAfterMs(100, 100, 3)).toBe(334); // rounded up
  });

  it('over capacity (retries may exceed the bound): time to free every surplus slot plus one', () => {
    expect(retryAfterMs(105, 100, 2)).toBe(3_000);
  });

  it('very high throughput: at least 1 ms', () => {
    expect(retryAfterMs(100, 100, 1e9)).toBe(1);
  });

  it('is a positive integer that grows with depth and shrinks with throughput', () => {
    for (const cps of [0.5, 1, 7, 100]) {
      let previous = 0;
      for (let depth = 100; depth <= 120; depth++) {
        const hint = retryAfterMs(depth, 100, cps);
        expect(Number.isInteger(hint) && hint >= 1, `depth=${depth} cps=${cps}: ${hint}`).toBe(true);
        expect(hint).toBeGreaterThanOrEqual(previous);
        previous = hint;
      }
      expect(retryAfterMs(110, 100, cps * 2)).toBeLessThanOrEqual(retryAfterMs(110, 100, cps));
    }
  });
});
