import { InvalidOptionError } from '../errors.js';
import { checkKnownKeys } from '../option-names.js';
import type { FlowNodeSpec, FlowSpec } from './types.js';

/** Most nodes one flow may have. */
export const MAX_FLOW_NODES = 10_000;

const NODE_OPTIONS = ['type', 'payload', 'after', 'priority', 'timeoutMs', 'idempotent', 'role', 'capabilities'] as const;

/** A flow's nodes as the runner keeps them: indices instead of names, edges both ways. */
export interface FlowGraph {
  ids: readonly string[];
  nodes: readonly FlowNodeSpec[];
  /** Per node, the indices it comes after. */
  after: readonly (readonly number[])[];
  /** Per node, the indices that come after it. */
  dependents: readonly (readonly number[])[];
  /** Every index, each after all it comes after (a topological order). */
  order: readonly number[];
}

/**
 * Checks a flow spec whole before anything runs: an object of 1 to 10,000
 * nodes, known option names per node, `after` naming other nodes of the same
 * flow, and no cycle (the error names one). Task options are checked again at
 * each node's submit; the pool's own check of them runs at flow() too.
 */
export function buildGraph(spec: FlowSpec): FlowGraph {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw new InvalidOptionError('flow', 'an object of nodes { id: { type, payload, after, ... } }', spec);
  const ids = Object.keys(spec);
  if (ids.length < 1 || ids.length > MAX_FLOW_NODES) throw new InvalidOptionError('flow', `from 1 to ${MAX_FLOW_NODES} nodes`, ids.length);
  const index = new Map(ids.map((id, i) => [id, i]));
  const nodes: FlowNodeSpec[] = [];
  const after: number[][] = [];
  const dependents: number[][] = ids.map(() => []);
  ids.forEach((id, i) => {
    const node: unknown = spec[id];
    if (typeof node !== 'object' || node === null || Array.isArray(node)) throw new InvalidOptionError(`flow.${id}`, 'an object { type, payload, after, ... }', node);
    checkKnownKeys(`flow.${id}.`, node, NODE_OPTIONS);
    const n = node as FlowNodeSpec;
    const deps = n.after ?? [];
    if (!Array.isArray(deps) || !deps.every((d) => typeof d === 'string')) throw new InvalidOptionError(`flow.${id}.after`, 'an array of node ids', deps);
    const list: number[] = [];
    for (const dep of new Set(deps)) {
      const j = index.get(dep);
      if (j === undefined) throw new InvalidOptionError(`flow.${id}.after`, `ids of nodes of this flow (${dep} is not one)`, deps);
      if (j === i) throw new InvalidOptionError(`flow.${id}.after`, 'other nodes (a node cannot come after itself)', deps);
      list.push(j);
      (dependents[j] as number[]).push(i);
    }
    nodes.push(n);
    after.push(list);
  });
  const cycle = findCycle(after);
  if (cycle !== undefined) {
    const names = cycle.map((i) => ids[i] as string);
    throw new InvalidOptionError('flow', `a graph without cycles (${[...names, names[0]].join(' -> ')} is one)`, spec);
  }
  return { ids, nodes, after, dependents, order: topologicalOrder(after, dependents) };
}

/** Kahn's order over a graph known to have no cycle. */
function topologicalOrder(after: readonly (readonly number[])[], dependents: readonly (readonly number[])[]): number[] {
  const left = Int32Array.from(after, (deps) => deps.length);
  const order: number[] = [];
  for (let i = 0; i < after.length; i++) if (left[i] === 0) order.push(i);
  for (let k = 0; k < order.length; k++) {
    for (const d of dependents[order[k] as number] ?? []) {
      left[d] = (left[d] ?? 1) - 1;
      if (left[d] === 0) order.push(d);
    }
  }
  return order;
}

/** A cycle as node indices in order, or undefined; iterative depth-first search, O(nodes + edges). */
function findCycle(after: readonly (readonly number[])[]): number[] | undefined {
  const WHITE = 0;
  const GREY = 1;
  const BLACK = 2;
  const color = new Uint8Array(after.length);
  const parent = new Int32Array(after.length).fill(-1);
  for (let root = 0; root < after.length; root++) {
    if (color[root] !== WHITE) continue;
    const stack: [node: number, next: number][] = [[root, 0]];
    color[root] = GREY;
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as [number, number];
      const [node, next] = top;
      const deps = after[node] as readonly number[];
      if (next >= deps.length) {
        color[node] = BLACK;
        stack.pop();
        continue;
      }
      top[1] = next + 1;
      const dep = deps[next] as number;
      if (color[dep] === GREY) {
        // node comes after dep, which is on the path: walk back from node to dep.
        const cycle = [node];
        for (let at = node; at !== dep; ) {
          at = parent[at] as number;
          cycle.push(at);
        }
        return cycle.reverse();
      }
      if (color[dep] === WHITE) {
        color[dep] = GREY;
        parent[dep] = node;
        stack.push([dep, 0]);
      }
    }
  }
  return undefined;
}
