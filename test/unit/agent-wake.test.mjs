// Which sleeping agent the coordinator wakes for new work. No threads: control
// blocks over a real shared region, agent states written into them directly.
import { describe, expect, it } from 'vitest';
import { AgentHandle } from '../../dist/src/agents/handle.js';
import { AgentRegistry } from '../../dist/src/agents/registry.js';
import { ControlBlock } from '../../dist/src/ring/control-block.js';
import { AgentState, C_STATE, allocateRegion } from '../../dist/src/ring/layout.js';
import { SharedQueue } from '../../dist/src/ring/shared-queue.js';

function pool(agents) {
  const q = new SharedQueue(allocateRegion({ slots: 64, blocks: agents, inlineBytes: 64 }));
  // The registry's wake-up pass reads only the handles and their blocks.
  const registry = new AgentRegistry(undefined, undefined);
  const blocks = [];
  for (let i = 0; i < agents; i++) {
    const block = new ControlBlock(q.words, q.times, q.layout, i);
    block.reset();
    block.store(C_STATE, AgentState.WAITING);
    const handle = new AgentHandle(i + 1);
    handle.inc = { state: 'ready', acceptsWork: true, block, role: 0, generation: 1 };
    registry.add(handle);
    blocks.push(block);
  }
  return { registry, blocks };
}

describe('waking an agent for queued work', () => {
  it('never spends the wake-up on a sleeper whose completion share is full while others could take the work', () => {
    const { registry, blocks } = pool(3);
    // Agent 1 would be chosen first (lowest id, same history), but it may not publish
    // another completion until the coordinator drains it: waking it takes no task.
    blocks[0].setCompletionLimit(2);
    blocks[0].publishCompletion(10);
    blocks[0].publishCompletion(11);
    expect(blocks[0].completionRoom()).toBe(0);
    registry.wakeFor('echo', 1, () => 5);
    const states = blocks.map((b) => b.agentState());
    expect(states[0]).toBe('waiting');
    expect(states.filter((s) => s === 'waking')).toHaveLength(1);
  });

  it('wakes nobody when every sleeper is at its completion share: the drain wakes them', () => {
    const { registry, blocks } = pool(2);
    for (const b of blocks) {
      b.setCompletionLimit(1);
      b.publishCompletion(3);
    }
    registry.wakeFor('echo', 1, () => 5);
    expect(blocks.map((b) => b.agentState())).toEqual(['waiting', 'waiting']);
  });
});
