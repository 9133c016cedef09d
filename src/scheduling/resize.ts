/**
 * Which agents to retire when shrinking: idle ones first, then the newest
 * (highest id), so long-lived agents with history for their task types stay.
 * A pure function: plain inputs, plain outputs.
 */
export function chooseRetirees(agents: readonly { agentId: number; busy: boolean }[], surplus: number): number[] {
  if (surplus <= 0) return [];
  return [...agents]
    .sort((a, b) => Number(a.busy) - Number(b.busy) || b.agentId - a.agentId)
    .slice(0, surplus)
    .map((a) => a.agentId);
}
