/**
 * Which agent should take a task, as a pure function of plain data so it can be
 * unit-tested without threads. Used for the direct hand-off of retries (which
 * must avoid agents that failed the task) and for choosing which sleeping agent
 * to wake for new work (affinity).
 */

export interface AgentCandidate {
  agentId: number;
  generation: number;
  /** waiting: asleep on its doorbell; active: between tasks; busy: running one. */
  state: 'waiting' | 'active' | 'busy';
  /** Already holds a direct hand-off that it has not taken yet. */
  hasDirect: boolean;
  /** History for the task's type on this agent. */
  successes: number;
  avgRunMs: number;
}

export interface Placement {
  /** Stable ids of agents that failed this task: prefer any other agent. */
  failedAgentIds: readonly number[];
  /** "agentId:generation" of incarnations that failed it: never these. */
  failedIncarnations: ReadonlySet<string>;
}

const NO_CONSTRAINT: Placement = { failedAgentIds: [], failedIncarnations: new Set() };

/** Idle before busy, then the best history for the type (more successes, then faster), then lowest id. */
export function compareCandidates(a: AgentCandidate, b: AgentCandidate): number {
  const rank = (c: AgentCandidate): number => (c.state === 'waiting' ? 0 : c.state === 'active' ? 1 : 2);
  return (
    rank(a) - rank(b) ||
    b.successes - a.successes ||
    (a.successes > 0 && b.successes > 0 ? a.avgRunMs - b.avgRunMs : 0) ||
    a.agentId - b.agentId
  );
}

/**
 * The agent to hand a task to, or undefined to keep it waiting. Agents whose id
 * failed the task are used only when every candidate's id did (a pool of one);
 * even then never the same incarnation.
 */
export function chooseAgent(candidates: readonly AgentCandidate[], placement: Placement = NO_CONSTRAINT): AgentCandidate | undefined {
  const allowed = candidates.filter((c) => !c.hasDirect && !placement.failedIncarnations.has(`${c.agentId}:${c.generation}`));
  const fresh = allowed.filter((c) => !placement.failedAgentIds.includes(c.agentId));
  const anyFreshId = candidates.some((c) => !placement.failedAgentIds.includes(c.agentId));
  // A fresh agent that is busy or already holds a hand-off is worth waiting for.
  const pool = fresh.length > 0 || anyFreshId ? fresh : allowed;
  let best: AgentCandidate | undefined;
  for (const c of pool) if (best === undefined || compareCandidates(c, best) < 0) best = c;
  return best;
}

/** Which sleeping agent to wake for a newly queued task: affinity among the waiting ones. */
export function chooseWaker(candidates: readonly AgentCandidate[]): AgentCandidate | undefined {
  let best: AgentCandidate | undefined;
  for (const c of candidates) if (c.state === 'waiting' && (best === undefined || compareCandidates(c, best) < 0)) best = c;
  return best;
}
