/**
 * Whether a dead agent is started again or abandoned. A pure function of the
 * agent's recent restart times, the pool's policy and the time now, so it is
 * tested without threads and the supervisor only records and asks.
 */

/** At most `maxRestarts` restarts of one agent id within any `windowMs`. */
export interface RestartPolicy {
  maxRestarts: number;
  windowMs: number;
}

export interface RestartDecision {
  action: 'restart' | 'abandon';
  /**
   * The restart times (epoch ms) still inside the window ending now, oldest
   * first: what the agent keeps, so its history stays bounded by maxRestarts.
   */
  recentRestartsMs: number[];
}

/**
 * One more restart would be the (recent + 1)th within the window: past
 * maxRestarts it is refused. Without a policy every death restarts (the
 * backoff alone paces a crash loop). A restart exactly windowMs ago has left
 * the window.
 */
export function decideRestart(restartTimesMs: readonly number[], policy: RestartPolicy | undefined, nowMs: number): RestartDecision {
  if (policy === undefined) return { action: 'restart', recentRestartsMs: [] };
  const recentRestartsMs = restartTimesMs.filter((t) => nowMs - t < policy.windowMs);
  return { action: recentRestartsMs.length >= policy.maxRestarts ? 'abandon' : 'restart', recentRestartsMs };
}
