/**
 * Deadlock among delegating tasks, as a pure function of plain data
 * (unit-tested without threads). A task waiting on ctx.run keeps its agent;
 * when every agent that could run a waiting subtask is held by such a task,
 * and none of those can ever finish, nothing will move again.
 */

export interface AgentOccupancy {
  agentId: number;
  role: number;
  /** The task it runs now; undefined when it is free, starting or restarting (it will take work). */
  runningTaskId: number | undefined;
}

export interface WaitingSubtask {
  taskId: number;
  /** Bit mask of the roles that may run it. */
  route: number;
}

export interface DeadlockInput {
  agents: readonly AgentOccupancy[];
  /** Running task id -> the subtasks it waits on (ctx.run) that have not settled. */
  waitingOn: ReadonlyMap<number, readonly number[]>;
  /** Subtasks that some task waits on and that have not started: queued for an agent. */
  waiting: readonly WaitingSubtask[];
}

export interface Deadlock {
  /** The youngest waiting subtask of the deadlock: the one to fail. */
  taskId: number;
  /** The waiting tasks that hold every agent able to run it, by id. */
  holders: number[];
}

/**
 * Which agents will become free, computed as a fixed point: an agent is free
 * if it runs nothing or a task that waits on nothing; a waiting task's agent
 * becomes free once every subtask it waits on can progress (a queued one has
 * a free eligible agent; a running one runs on an agent that becomes free).
 * A waiting subtask with no eligible agent in that set is deadlocked.
 */
export function findDeadlock(input: DeadlockInput): Deadlock | undefined {
  const free = new Set<number>();
  const runningOn = new Map<number, AgentOccupancy>();
  for (const a of input.agents) {
    if (a.runningTaskId === undefined || !input.waitingOn.has(a.runningTaskId)) free.add(a.agentId);
    if (a.runningTaskId !== undefined) runningOn.set(a.runningTaskId, a);
  }
  const waitingById = new Map(input.waiting.map((w) => [w.taskId, w]));
  const eligibleFree = (route: number): boolean => input.agents.some((a) => free.has(a.agentId) && ((1 << a.role) & route) !== 0);
  const progresses = (taskId: number): boolean => {
    const queued = waitingById.get(taskId);
    if (queued !== undefined) return eligibleFree(queued.route);
    const on = runningOn.get(taskId);
    // Neither queued nor running (held for a dependency, finishing): not part of a cycle.
    return on === undefined || free.has(on.agentId);
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (const a of input.agents) {
      if (free.has(a.agentId) || a.runningTaskId === undefined) continue;
      if ((input.waitingOn.get(a.runningTaskId) ?? []).every(progresses)) {
        free.add(a.agentId);
        changed = true;
      }
    }
  }
  const holdersOf = (route: number): number[] =>
    input.agents.flatMap((a) => (((1 << a.role) & route) !== 0 && a.runningTaskId !== undefined ? [a.runningTaskId] : [])).sort((x, y) => x - y);
  let victim: Deadlock | undefined;
  for (const w of input.waiting) {
    if (eligibleFree(w.route) || (victim !== undefined && w.taskId < victim.taskId)) continue;
    // No agent of its roles at all is not a deadlock (routing refuses work for a role that is down).
    const holders = holdersOf(w.route);
    if (holders.length > 0) victim = { taskId: w.taskId, holders };
  }
  return victim;
}
