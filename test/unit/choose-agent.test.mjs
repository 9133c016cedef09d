// Which agent takes a task (retry hand-off) and which sleeping agent to wake: pure functions.
import { describe, expect, it } from 'vitest';
import { chooseAgent, chooseWaker, compareCandidates } from '../../dist/src/scheduling/choose-agent.js';
import { makeRng } from './prng.mjs';

function agent(agentId, fields = {}) {
  return { agentId, generation: 1, state: 'waiting', hasDirect: false, successes: 0, avgRunMs: 0, ...fields };
}

const placement = (failedAgentIds, failedIncarnations = []) => ({ failedAgentIds, failedIncarnations: new Set(failedIncarnations) });

const ids = (c) => (c === undefined ? undefined : `${c.agentId}:${c.generation}`);

/** The choice must not depend on the order the candidates are listed in. */
function chooseInAnyOrder(candidates, where, ...rest) {
  const first = chooseAgent(candidates, ...rest);
  const rng = makeRng(candidates.length * 7919 + 1);
  for (let i = 0; i < 20; i++) expect(ids(chooseAgent(rng.shuffle(candidates), ...rest)), `${where}, shuffle ${i}`).toBe(ids(first));
  return first;
}

describe('chooseAgent: state and affinity', () => {
  it('idle before busy, even when the busy one has the better history', () => {
    const best = chooseInAnyOrder([agent(1, { state: 'busy', successes: 50, avgRunMs: 1 }), agent(2, { state: 'waiting' })], 'idle vs busy');
    expect(best.agentId).toBe(2);
  });

  it('waiting, then active, then busy', () => {
    const candidates = [agent(1, { state: 'busy' }), agent(2, { state: 'active' }), agent(3, { state: 'waiting' })];
    expect(chooseInAnyOrder(candidates, 'three states').agentId).toBe(3);
    expect(chooseInAnyOrder(candidates.slice(0, 2), 'active vs busy').agentId).toBe(2);
    expect([...candidates].sort(compareCandidates).map((c) => c.agentId)).toEqual([3, 2, 1]);
  });

  it('among equals in state: more successes for the type first', () => {
    const candidates = [agent(1, { successes: 2, avgRunMs: 1 }), agent(2, { successes: 5, avgRunMs: 50 }), agent(3)];
    expect(chooseInAnyOrder(candidates, 'successes').agentId).toBe(2);
  });

  it('equal successes: the faster average run time first', () => {
    const candidates = [agent(1, { successes: 4, avgRunMs: 30 }), agent(2, { successes: 4, avgRunMs: 10 }), agent(3, { successes: 4, avgRunMs: 20 })];
    expect(chooseInAnyOrder(candidates, 'avgRunMs').agentId).toBe(2);
  });

  it('no history anywhere: avgRunMs is ignored and the lowest id wins', () => {
    const candidates = [agent(3, { avgRunMs: 1 }), agent(1, { avgRunMs: 99 }), agent(2)];
    expect(chooseInAnyOrder(candidates, 'no history').agentId).toBe(1);
  });

  it('full tie: lowest id', () => {
    const candidates = [agent(9, { successes: 1, avgRunMs: 5 }), agent(4, { successes: 1, avgRunMs: 5 })];
    expect(chooseInAnyOrder(candidates, 'tie').agentId).toBe(4);
  });

  it('works without a placement argument', () => {
    expect(chooseAgent([agent(2), agent(1)]).agentId).toBe(1);
  });
});

describe('chooseAgent: exclusions', () => {
  it('avoids an agent id that already failed the task, even if it is the best one', () => {
    const candidates = [agent(1, { successes: 9 }), agent(2, { state: 'busy' })];
    expect(chooseInAnyOrder(candidates, 'failed id', placement([1], ['1:1'])).agentId).toBe(2);
  });

  it('avoids a failed id even in a later generation, while another id exists', () => {
    const candidates = [agent(1, { generation: 2 }), agent(2, { state: 'busy' })];
    expect(chooseInAnyOrder(candidates, 'failed id, new generation', placement([1], ['1:1'])).agentId).toBe(2);
  });

  it('keeps the task waiting for a fresh id that already holds a hand-off rather than use a failed id', () => {
    const candidates = [agent(1, { generation: 2 }), agent(2, { hasDirect: true })];
    expect(chooseAgent(candidates, placement([1], ['1:1']))).toBeUndefined();
  });

  it('every id failed: falls back to a different incarnation', () => {
    expect(chooseAgent([agent(1, { generation: 2 })], placement([1], ['1:1']))?.generation).toBe(2);
    const candidates = [agent(1, { generation: 3 }), agent(2, { generation: 1, successes: 10 })];
    // Agent 2's only incarnation failed it; agent 1's current one did not.
    expect(ids(chooseInAnyOrder(candidates, 'all failed', placement([1, 2], ['1:1', '1:2', '2:1'])))).toBe('1:3');
  });

  it('never a failed incarnation, even when it is the only candidate', () => {
    expect(chooseAgent([agent(1, { generation: 2 })], placement([1], ['1:2']))).toBeUndefined();
    expect(chooseAgent([agent(1, { generation: 1 }), agent(2, { generation: 4 })], placement([1, 2], ['1:1', '2:4']))).toBeUndefined();
  });

  it('skips candidates that already hold a direct hand-off', () => {
    const candidates = [agent(1, { hasDirect: true, successes: 9 }), agent(2, { state: 'busy' })];
    expect(chooseInAnyOrder(candidates, 'hasDirect').agentId).toBe(2);
  });

  it('undefined when nothing is allowed', () => {
    expect(chooseAgent([])).toBeUndefined();
    expect(chooseAgent([agent(1, { hasDirect: true }), agent(2, { hasDirect: true, state: 'busy' })])).toBeUndefined();
    expect(chooseAgent([agent(1, { hasDirect: true })], placement([1], []))).toBeUndefined();
  });

  it('random pools: never a failed incarnation, never a hasDirect one, a fresh id whenever one is allowed', () => {
    const rng = makeRng(2468);
    for (let i = 0; i < 2_000; i++) {
      const n = rng.range(1, 6);
      const candidates = Array.from({ length: n }, (_, k) =>
        agent(k + 1, {
          generation: rng.range(1, 3),
          state: rng.pick(['waiting', 'active', 'busy']),
          hasDirect: rng.chance(0.2),
          successes: rng.int(4),
          avgRunMs: rng.int(100),
        }),
      );
      const failedIds = candidates.filter(() => rng.chance(0.5)).map((c) => c.agentId);
      const failedInc = failedIds.flatMap((id) => [1, 2, 3].filter(() => rng.chance(0.5)).map((g) => `${id}:${g}`));
      const where = () => `i=${i} candidates=${JSON.stringify(candidates)} failedIds=${failedIds} failedInc=${failedInc}`;
      const chosen = chooseAgent(candidates, placement(failedIds, failedInc));
      const allowed = candidates.filter((c) => !c.hasDirect && !failedInc.includes(`${c.agentId}:${c.generation}`));
      const freshAllowed = allowed.filter((c) => !failedIds.includes(c.agentId));
      const fail = (what) => expect.fail(`${where()}: ${what}`);
      if (chosen === undefined) {
        if (freshAllowed.length > 0) fail('left waiting although a fresh id was free');
        // Waiting is right only for a fresh id that is busy with a hand-off; with no fresh id at all, any allowed one must do.
        if (allowed.length > 0 && candidates.every((c) => failedIds.includes(c.agentId))) fail('left waiting in a pool of failed ids');
        continue;
      }
      if (!allowed.includes(chosen)) fail('chose a forbidden candidate');
      if (freshAllowed.length > 0 && !freshAllowed.includes(chosen)) fail('chose a failed id over a fresh one');
      for (const other of freshAllowed.length > 0 ? freshAllowed : allowed) {
        if (compareCandidates(chosen, other) > 0) fail(`agent ${other.agentId} was better`);
      }
    }
  });
});

describe('chooseWaker', () => {
  it('only waiting agents are woken', () => {
    expect(chooseWaker([agent(1, { state: 'busy' }), agent(2, { state: 'active' })])).toBeUndefined();
    expect(chooseWaker([])).toBeUndefined();
  });

  it('among waiting agents, the best history for the type', () => {
    const candidates = [
      agent(1, { state: 'active', successes: 99 }),
      agent(2, { successes: 1, avgRunMs: 5 }),
      agent(3, { successes: 3, avgRunMs: 50 }),
      agent(4, { successes: 3, avgRunMs: 40 }),
    ];
    expect(chooseWaker(candidates).agentId).toBe(4);
    expect(chooseWaker([...candidates].reverse()).agentId).toBe(4);
  });

  it('no history: lowest id', () => {
    expect(chooseWaker([agent(5), agent(3), agent(4, { state: 'busy' })]).agentId).toBe(3);
  });
});
