// A flow spec checked whole: ids, edges both ways, a topological order, named cycles. No threads.
import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../dist/src/errors.js';
import { MAX_FLOW_NODES, buildGraph } from '../../dist/src/flows/spec.js';

function refusal(spec) {
  try {
    buildGraph(spec);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionError);
    return error;
  }
  throw new Error('expected a refusal');
}

describe('buildGraph', () => {
  it('keeps edges both ways and an order in which every node follows its inputs', () => {
    const g = buildGraph({ report: { after: ['left', 'right'] }, left: { after: ['fetch'] }, right: { after: ['fetch', 'fetch'] }, fetch: {} });
    expect(g.ids).toEqual(['report', 'left', 'right', 'fetch']);
    expect(g.after).toEqual([[1, 2], [3], [3], []]);
    expect(g.dependents).toEqual([[], [0], [0], [1, 2]]);
    const position = new Map(g.order.map((node, k) => [node, k]));
    expect(g.order).toHaveLength(4);
    g.after.forEach((deps, node) => deps.forEach((d) => expect(position.get(d)).toBeLessThan(position.get(node))));
  });

  it('names a cycle, and refuses a node after itself', () => {
    expect(refusal({ a: { after: ['b'] }, b: { after: ['c'] }, c: { after: ['a'] } }).expected).toMatch(/\(([abc]) -> [abc] -> [abc] -> \1 is one\)/);
    expect(refusal({ a: { after: ['a'] } }).option).toBe('flow.a.after');
  });

  it('refuses unknown ids, unknown option names, empty and oversized specs', () => {
    expect(refusal({ a: { after: ['ghost'] } }).option).toBe('flow.a.after');
    expect(refusal({ a: { afterr: [] } }).option).toBe('flow.a.afterr');
    expect(refusal({ a: { after: 'b' }, b: {} }).option).toBe('flow.a.after');
    expect(refusal({ a: 'task' }).option).toBe('flow.a');
    expect(refusal({}).option).toBe('flow');
    expect(refusal(null).option).toBe('flow');
    const big = Object.fromEntries(Array.from({ length: MAX_FLOW_NODES + 1 }, (_, i) => [`n${i}`, {}]));
    expect(refusal(big).option).toBe('flow');
  });

  it('handles a 10,000-node chain without deep recursion', () => {
    const chain = { n0: {} };
    for (let i = 1; i < MAX_FLOW_NODES; i++) chain[`n${i}`] = { after: [`n${i - 1}`] };
    expect(buildGraph(chain).order).toHaveLength(MAX_FLOW_NODES);
  });
});
