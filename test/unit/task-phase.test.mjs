// The task phase machine: which moves the ledger allows, which it refuses, and that terminal phases are final.
import { describe, expect, it } from 'vitest';
import { canMove, isTerminal } from '../../dist/src/tasks/phase.js';

const PHASES = ['queued', 'held', 'placed', 'running', 'completed', 'failed', 'cancelled'];
const TERMINAL = ['completed', 'failed', 'cancelled'];

// The full table of allowed moves; every pair not listed here must be refused.
const ALLOWED = {
  queued: ['queued', 'held', 'placed', 'running', 'completed', 'failed', 'cancelled'],
  held: ['queued', 'failed', 'cancelled'],
  placed: ['queued', 'running', 'failed', 'cancelled'],
  running: ['queued', 'completed', 'failed', 'cancelled'],
  completed: [],
  failed: [],
  cancelled: [],
};

const pairs = PHASES.flatMap((from) => PHASES.map((to) => [from, to, ALLOWED[from].includes(to)]));

describe('canMove', () => {
  it.each(pairs.filter(([, , ok]) => ok))('allows %s -> %s', (from, to) => {
    expect(canMove(from, to)).toBe(true);
  });

  it.each(pairs.filter(([, , ok]) => !ok))('refuses %s -> %s', (from, to) => {
    expect(canMove(from, to)).toBe(false);
  });

  it('the table covers all 49 pairs: 18 allowed, 31 refused', () => {
    expect(pairs).toHaveLength(49);
    expect(pairs.filter(([, , ok]) => ok)).toHaveLength(18);
  });

  it.each(TERMINAL)('terminal phase %s has no exit at all, not even to itself', (from) => {
    for (const to of PHASES) expect(canMove(from, to), `${from} -> ${to}`).toBe(false);
  });

  it('a held task cannot be placed, started or completed without going back to queued first', () => {
    expect(canMove('held', 'placed')).toBe(false);
    expect(canMove('held', 'running')).toBe(false);
    expect(canMove('held', 'completed')).toBe(false);
    expect(canMove('held', 'queued')).toBe(true);
  });

  it('a placed task cannot complete before it is seen running', () => {
    expect(canMove('placed', 'completed')).toBe(false);
    expect(canMove('placed', 'running')).toBe(true);
  });

  it('a running task cannot be held or re-placed directly; a retry goes through queued', () => {
    expect(canMove('running', 'held')).toBe(false);
    expect(canMove('running', 'placed')).toBe(false);
    expect(canMove('running', 'queued')).toBe(true);
  });

  it('every non-terminal phase can be failed and cancelled', () => {
    for (const from of PHASES.filter((p) => !TERMINAL.includes(p))) {
      expect(canMove(from, 'failed'), from).toBe(true);
      expect(canMove(from, 'cancelled'), from).toBe(true);
    }
  });
});

describe('isTerminal', () => {
  it.each(PHASES.map((p) => [p, TERMINAL.includes(p)]))('isTerminal(%s) is %s', (phase, terminal) => {
    expect(isTerminal(phase)).toBe(terminal);
  });

  it('agrees with canMove: a phase is terminal exactly when it has no exits', () => {
    for (const p of PHASES) expect(isTerminal(p), p).toBe(PHASES.every((to) => !canMove(p, to)));
  });
});
