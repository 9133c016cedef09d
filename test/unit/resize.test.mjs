// Which agents a shrink retires: idle ones before busy ones, newest (highest id) first within each,
// exactly `surplus` of them (or all there are), without touching the caller's list.
import { describe, expect, it } from 'vitest';
import { chooseRetirees } from '../../dist/src/scheduling/resize.js';

const agent = (agentId, busy = false) => ({ agentId, busy });

describe('chooseRetirees', () => {
  it('no surplus, or a negative one, retires nobody', () => {
    const agents = [agent(1), agent(2)];
    expect(chooseRetirees(agents, 0)).toEqual([]);
    expect(chooseRetirees(agents, -3)).toEqual([]);
  });

  it('an empty pool retires nobody', () => {
    expect(chooseRetirees([], 2)).toEqual([]);
  });

  it('among idle agents the newest (highest id) go first', () => {
    expect(chooseRetirees([agent(1), agent(5), agent(3)], 2)).toEqual([5, 3]);
  });

  it('idle agents go before busy ones, even older idle ones before newer busy ones', () => {
    const agents = [agent(1), agent(9, true), agent(2), agent(8, true)];
    expect(chooseRetirees(agents, 2)).toEqual([2, 1]);
    expect(chooseRetirees(agents, 3)).toEqual([2, 1, 9]);
  });

  it('when every agent is busy the newest busy ones go', () => {
    expect(chooseRetirees([agent(1, true), agent(4, true), agent(2, true)], 2)).toEqual([4, 2]);
  });

  it('returns exactly `surplus` ids when there are enough agents', () => {
    const agents = Array.from({ length: 10 }, (_, i) => agent(i, i % 2 === 0));
    for (let surplus = 1; surplus <= 10; surplus++) expect(chooseRetirees(agents, surplus)).toHaveLength(surplus);
  });

  it('a surplus larger than the pool retires every agent once, idle first', () => {
    expect(chooseRetirees([agent(1, true), agent(2), agent(3, true)], 10)).toEqual([2, 3, 1]);
  });

  it('the order of the input does not matter', () => {
    const agents = [agent(3), agent(7, true), agent(1), agent(6), agent(2, true)];
    const expected = chooseRetirees(agents, 4);
    expect(expected).toEqual([6, 3, 1, 7]);
    expect(chooseRetirees([...agents].reverse(), 4)).toEqual(expected);
    expect(chooseRetirees([agents[2], agents[4], agents[0], agents[3], agents[1]], 4)).toEqual(expected);
  });

  it('does not reorder or change the caller’s list', () => {
    const agents = [agent(1), agent(3, true), agent(2)];
    const before = structuredClone(agents);
    chooseRetirees(agents, 2);
    expect(agents).toEqual(before);
  });

  it('returns ids only, not the agent records', () => {
    const [first] = chooseRetirees([{ agentId: 4, busy: false, extra: 'x' }], 1);
    expect(first).toBe(4);
  });
});
