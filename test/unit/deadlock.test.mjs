// Deadlock among tasks waiting on subtasks (ctx.run): a pure function of who runs what and who waits on whom.
import { describe, expect, it } from 'vitest';
import { findDeadlock } from '../../dist/src/scheduling/deadlock.js';

const agent = (agentId, runningTaskId, role = 0) => ({ agentId, role, runningTaskId });

describe('findDeadlock', () => {
  it('finds none while an eligible agent is free', () => {
    const input = { agents: [agent(1, 10), agent(2, undefined)], waitingOn: new Map([[10, [11]]]), waiting: [{ taskId: 11, route: 1 }] };
    expect(findDeadlock(input)).toBeUndefined();
  });

  it('finds none while an eligible agent runs a task that waits on nothing: it will finish', () => {
    const input = { agents: [agent(1, 10), agent(2, 20)], waitingOn: new Map([[10, [11]]]), waiting: [{ taskId: 11, route: 1 }] };
    expect(findDeadlock(input)).toBeUndefined();
  });

  it('fails the subtask when its only agent is held by the task that waits on it', () => {
    const input = { agents: [agent(1, 10)], waitingOn: new Map([[10, [11]]]), waiting: [{ taskId: 11, route: 1 }] };
    expect(findDeadlock(input)).toEqual({ taskId: 11, holders: [10] });
  });

  it('picks the youngest waiting subtask when every agent waits', () => {
    const input = {
      agents: [agent(1, 10), agent(2, 20)],
      waitingOn: new Map([[10, [21]], [20, [22]]]),
      waiting: [{ taskId: 21, route: 1 }, { taskId: 22, route: 1 }],
    };
    expect(findDeadlock(input)).toEqual({ taskId: 22, holders: [10, 20] });
  });

  it('sees through chains: a waiting task whose subtask runs on an agent that will free up is not stuck', () => {
    // 10 (agent 1) waits on 11, running on agent 2, which waits on 12, which only role 1 can run; agent 3 (role 1) is free.
    const input = {
      agents: [agent(1, 10), agent(2, 11), agent(3, undefined, 1)],
      waitingOn: new Map([[10, [11]], [11, [12]]]),
      waiting: [{ taskId: 12, route: 0b10 }],
    };
    expect(findDeadlock(input)).toBeUndefined();
    // Without the free agent of role 1 the whole chain is stuck.
    expect(findDeadlock({ ...input, agents: [agent(1, 10), agent(2, 11), agent(3, 13, 1)], waitingOn: new Map([[10, [11]], [11, [12]], [13, [14]]]), waiting: [{ taskId: 12, route: 0b10 }, { taskId: 14, route: 0b01 }] })).toEqual({ taskId: 14, holders: [10, 11] });
  });

  it('routing decides eligibility: a free agent of another role does not help', () => {
    const input = { agents: [agent(1, 10, 0), agent(2, undefined, 1)], waitingOn: new Map([[10, [11]]]), waiting: [{ taskId: 11, route: 0b01 }] };
    expect(findDeadlock(input)).toEqual({ taskId: 11, holders: [10] });
  });

  it('is not a deadlock when no agent of the subtask\'s roles exists at all', () => {
    const input = { agents: [agent(1, 10, 0)], waitingOn: new Map([[10, [11]]]), waiting: [{ taskId: 11, route: 0b10 }] };
    expect(findDeadlock(input)).toBeUndefined();
  });
});
