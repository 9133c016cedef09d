// Flows (pool.flow(), daedalus only: no peer has dependency graphs): ten flows of 100 no-op
// nodes each, run in parallel (a wide fan-out, a long chain and a diamond lattice in turn),
// against the same number of plain no-op tasks submitted at once through the same pool. Reports
// nodes/s, plain tasks/s, and what the dependency bookkeeping adds per node (the difference in
// wall time over the node count).
import { contenders } from '../lib/rounds.mjs';

const SUITE = 'flows';
const FLOWS = 10;

/** A wide fan-out, a long chain, a diamond lattice (layers of 10, each node after two of the layer before). */
function shape(kind, nodes) {
  const spec = {};
  const node = (i) => ({ type: 'noop', payload: { i, op: 'noop', args: [1, 2, 3] } });
  if (kind === 0) {
    spec.src = node(0);
    for (let i = 1; i < nodes - 1; i++) spec[`leaf${i}`] = { ...node(i), after: ['src'] };
    spec.sink = { ...node(nodes - 1), after: Object.keys(spec).filter((k) => k !== 'src') };
  } else if (kind === 1) {
    for (let i = 0; i < nodes; i++) spec[`n${i}`] = i === 0 ? node(0) : { ...node(i), after: [`n${i - 1}`] };
  } else {
    const width = 10;
    for (let i = 0; i < nodes; i++) {
      const layer = Math.floor(i / width);
      const k = i % width;
      spec[`l${layer}_${k}`] = layer === 0 ? node(i) : { ...node(i), after: [`l${layer - 1}_${k}`, `l${layer - 1}_${(k + 1) % width}`] };
    }
  }
  return spec;
}

export function plan(ctx) {
  const agents = ctx.agents ?? 2;
  const nodesPerFlow = 100;
  const nodes = FLOWS * nodesPerFlow;
  const specs = Array.from({ length: FLOWS }, (_, f) => shape(f % 3, nodesPerFlow));
  const plain = async (handle) => {
    const t0 = performance.now();
    await Promise.all(Array.from({ length: nodes }, (_, i) => handle.run({ i, op: 'noop', args: [1, 2, 3] })));
    return (performance.now() - t0) / 1000;
  };
  const flows = async (handle) => {
    const t0 = performance.now();
    await Promise.all(specs.map((spec, f) => handle.pool.flow(spec, { traceId: `bench-flow-${f}` }).result));
    return (performance.now() - t0) / 1000;
  };
  return [
    {
      suite: SUITE,
      name: 'flows-10x100',
      description: `${FLOWS} flows of ${nodesPerFlow} no-op nodes (fan-out, chain, lattice) in parallel, against ${nodes} plain no-op tasks submitted at once, ${agents} agent(s)`,
      params: { agents, flows: FLOWS, nodesPerFlow },
      contenders: contenders(ctx, { peers: false }),
      figures: [
        { key: 'nodesPerSec', label: 'flow nodes/s', unit: 'tasks/s', better: 'higher', pick: (r) => r.nodesPerSec, digits: 0 },
        { key: 'plainPerSec', label: 'plain tasks/s', unit: 'tasks/s', better: 'higher', pick: (r) => r.plainPerSec, digits: 0 },
        { key: 'overheadUsPerNode', label: 'flow overhead/node (us)', unit: 'us', better: 'lower', pick: (r) => r.overheadUsPerNode, digits: 1 },
      ],
      async unit(session) {
        const handle = await session.open({ agents, kind: 'noop', outstanding: nodes });
        // Untimed first pass of each: thread start and first-call compilation are not billed.
        await session.guard(plain(handle), 'warm-up');
        await session.guard(flows(handle), 'warm-up');
        const plainSec = await session.guard(plain(handle), 'plain tasks');
        const flowSec = await session.guard(flows(handle), 'flows');
        return { nodesPerSec: nodes / flowSec, plainPerSec: nodes / plainSec, overheadUsPerNode: ((flowSec - plainSec) * 1e6) / nodes };
      },
    },
  ];
}
