// Restart or abandon a dead agent: a pure function of its recent restart times, the policy and now.
import { describe, expect, it } from 'vitest';
import { decideRestart } from '../../dist/src/agents/restart-policy.js';

const POLICY = { maxRestarts: 2, windowMs: 1_000 };
const NOW_MS = 50_000;

describe('decideRestart', () => {
  it('without a policy every death restarts and no history is kept', () => {
    const many = Array.from({ length: 1_000 }, (_, i) => NOW_MS - i);
    expect(decideRestart(many, undefined, NOW_MS)).toEqual({ action: 'restart', recentRestartsMs: [] });
  });

  it('restarts while fewer than maxRestarts restarts lie inside the window', () => {
    expect(decideRestart([], POLICY, NOW_MS)).toEqual({ action: 'restart', recentRestartsMs: [] });
    expect(decideRestart([NOW_MS - 10], POLICY, NOW_MS)).toEqual({ action: 'restart', recentRestartsMs: [NOW_MS - 10] });
  });

  it('abandons when one more restart would be more than maxRestarts within the window', () => {
    expect(decideRestart([NOW_MS - 500, NOW_MS - 10], POLICY, NOW_MS)).toEqual({ action: 'abandon', recentRestartsMs: [NOW_MS - 500, NOW_MS - 10] });
  });

  it('restarts that left the window no longer count and are dropped from the history', () => {
    const old = [NOW_MS - 5_000, NOW_MS - 1_001, NOW_MS - 1_000];
    expect(decideRestart([...old, NOW_MS - 10], POLICY, NOW_MS)).toEqual({ action: 'restart', recentRestartsMs: [NOW_MS - 10] });
  });

  it('a restart exactly windowMs ago has left the window', () => {
    expect(decideRestart([NOW_MS - 1_000, NOW_MS - 1], POLICY, NOW_MS).action).toBe('restart');
    expect(decideRestart([NOW_MS - 999, NOW_MS - 1], POLICY, NOW_MS).action).toBe('abandon');
  });

  it('maxRestarts 1 abandons at the second death within the window', () => {
    const policy = { maxRestarts: 1, windowMs: 60_000 };
    expect(decideRestart([], policy, NOW_MS).action).toBe('restart');
    expect(decideRestart([NOW_MS - 59_999], policy, NOW_MS).action).toBe('abandon');
  });

  it('does not change the history it was given', () => {
    const history = Object.freeze([NOW_MS - 5_000, NOW_MS - 10]);
    decideRestart(history, POLICY, NOW_MS);
    expect(history).toEqual([NOW_MS - 5_000, NOW_MS - 10]);
  });
});
