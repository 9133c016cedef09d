/**
 * A task's phase, as the coordinator knows it, and the moves allowed between
 * phases. Pure data and functions: the ledger asks `canMove` before every
 * transition, so an impossible move (settling twice, reviving a cancelled
 * task) is refused in one place instead of being guarded in every caller.
 *
 * - queued: waiting for an agent (in a shared ring, or in the coordinator's
 *   lists until agents have said what they handle, or for a direct hand-off);
 * - held: waiting because a dependency its type requires is down;
 * - placed: handed to one chosen agent's mailbox, not yet started;
 * - running: a try has started (seen in the slot, or reported by the agent);
 * - completed, failed, cancelled: terminal.
 *
 * An agent may claim a queued task from a ring and finish it before the
 * coordinator looks, so queued -> running is read off shared memory when the
 * outcome is drained; snapshots reconcile the same way.
 */
export type TaskPhase = 'queued' | 'held' | 'placed' | 'running' | 'completed' | 'failed' | 'cancelled';
export type TerminalPhase = 'completed' | 'failed' | 'cancelled';

const NEXT: { readonly [P in TaskPhase]: readonly TaskPhase[] } = {
  queued: ['queued', 'held', 'placed', 'running', 'completed', 'failed', 'cancelled'],
  held: ['queued', 'failed', 'cancelled'],
  placed: ['queued', 'running', 'failed', 'cancelled'],
  // running -> queued: a retry, or a try that turned out not to have started.
  running: ['queued', 'completed', 'failed', 'cancelled'],
  completed: [],
  failed: [],
  cancelled: [],
};

export function canMove(from: TaskPhase, to: TaskPhase): boolean {
  return NEXT[from].includes(to);
}

export function isTerminal(phase: TaskPhase): phase is TerminalPhase {
  return phase === 'completed' || phase === 'failed' || phase === 'cancelled';
}
