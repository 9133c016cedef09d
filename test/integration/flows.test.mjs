/**
 * Flows: tasks made of subtasks with dependencies. Which node ran, what it
 * received and where is read from the agent's own report (ctx.flow,
 * ctx.inputs, ctx.agentId); waits are on promises, events and Atomics words.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { expect } from 'vitest';
import { ErrorCodes, FlowFailedError, InvalidOptionError, PoolEvents, UnknownTaskTypeError } from '../../dist/src/index.js';
import { poolTest } from '../fixtures/use-pool.mjs';
import { recordEvents, rejectionOf, waitForEvents, waitForWord } from '../helpers.mjs';

const NODE_AGENT = new URL('../fixtures/flows/node-agent.mjs', import.meta.url);

function sharedWords() {
  const counters = new SharedArrayBuffer(16);
  return { counters, words: new Int32Array(counters) };
}



poolTest('a diamond flow runs each node after its inputs and aggregates their results', async ({ usePool }) => {
  const { counters } = sharedWords();
  const pool = await usePool({ agent: NODE_AGENT, size: 2, workerData: { counters } });
  const completed = waitForEvents(pool, PoolEvents.flowCompleted, 1);
  const flow = pool.flow(
    {
      fetch: { payload: { value: 1 } },
      left: { payload: { value: 2 }, after: ['fetch'] },
      right: { payload: { value: 3 }, after: ['fetch'] },
      report: { type: 'sum', after: ['left', 'right'], priority: 2 },
    },
    { traceId: 'diamond-1' },
  );
  const results = await flow.result;
  expect(results.fetch).toMatchObject({ node: 'fetch', inputs: [], traceId: 'diamond-1', flowId: flow.id });
  expect(results.left).toMatchObject({ node: 'left', inputs: ['fetch'] });
  expect(results.right).toMatchObject({ node: 'right', inputs: ['fetch'] });
  expect(results.report).toEqual({ node: 'report', inputs: ['left', 'right'], value: 5 });
  const [event] = await completed;
  expect(event).toEqual({ flowId: flow.id, traceId: 'diamond-1', nodes: 4 });
  const status = pool.getFlow(flow.id).status();
  expect(status.state).toBe('completed');
  for (const node of Object.values(status.nodes)) {
    expect(node.status).toBe('completed');
    expect(pool.getTask(node.taskId)).toMatchObject({ status: 'completed', traceId: 'diamond-1', agentId: node.agentId });
  }
  expect(pool.metrics().flows).toEqual({ running: 0, completed: 1, failed: 0, cancelled: 0 });
});

poolTest('a failed node blocks exactly its transitive dependents; the other branch completes; retry() completes the flow', async ({ usePool }) => {
  const { counters, words } = sharedWords();
  const pool = await usePool({ agent: NODE_AGENT, size: 2, workerData: { counters } });
  const failedEvent = waitForEvents(pool, PoolEvents.flowFailed, 1);
  const flow = pool.flow({
    root: {},
    bad: { payload: { fail: true }, after: ['root'] },
    afterBad: { after: ['bad'] },
    good: { after: ['root'] },
    afterGood: { after: ['good'] },
    join: { type: 'sum', after: ['afterBad', 'afterGood'] },
  });
  const error = await rejectionOf(flow.result);
  expect(error).toBeInstanceOf(FlowFailedError);
  expect(error.code).toBe(ErrorCodes.FLOW_FAILED);
  expect(error.failed).toEqual(['bad']);
  expect(error.blocked.sort()).toEqual(['afterBad', 'join']);
  expect(error.errors.bad.cause).toMatchObject({ code: 'E_NODE' });
  const [event] = await failedEvent;
  expect(event).toMatchObject({ flowId: flow.id, state: 'failed', failed: ['bad'] });
  const before = flow.status().nodes;
  expect(Object.fromEntries(Object.entries(before).map(([id, n]) => [id, n.status]))).toEqual({
    root: 'completed', bad: 'failed', afterBad: 'blocked', good: 'completed', afterGood: 'completed', join: 'blocked',
  });
  expect(before.afterBad.taskId).toBeUndefined();
  expect(pool.metrics().flows).toMatchObject({ running: 0, failed: 1 });
  await expect(flow.retry('good')).rejects.toThrow(InvalidOptionError);
  // The fault is fixed: the retried node and what it blocked run; the rest is not run again.
  Atomics.store(words, 0, 1);
  const results = await flow.retry('bad');
  expect(results.join).toEqual({ node: 'join', inputs: ['afterBad', 'afterGood'], value: 2 });
  expect(flow.status().nodes.good.taskId).toBe(before.good.taskId);
  expect(pool.metrics().flows).toMatchObject({ running: 0, completed: 1, failed: 0 });
});

poolTest('a spec with a cycle, an unknown dependency, a bad option or an unknown type is refused whole at creation', async ({ usePool }) => {
  const { counters } = sharedWords();
  const pool = await usePool({ agent: NODE_AGENT, size: 1, workerData: { counters } });
  const cycle = (() => {
    try {
      pool.flow({ a: { after: ['c'] }, b: { after: ['a'] }, c: { after: ['b'] }, d: {} });
    } catch (error) {
      return error;
    }
  })();
  expect(cycle).toBeInstanceOf(InvalidOptionError);
  expect(cycle.message).toMatch(/a -> c -> b -> a|a -> b -> c -> a|c -> b -> a -> c|b -> a -> c -> b/);
  expect(() => pool.flow({ a: { after: ['nope'] } })).toThrow(/nope is not one/);
  expect(() => pool.flow({ a: { priorty: 1 } })).toThrow(InvalidOptionError);
  expect(() => pool.flow({ a: {}, b: { type: 'noSuchType', after: ['a'] } })).toThrow(UnknownTaskTypeError);
  expect(() => pool.flow({})).toThrow(InvalidOptionError);
  expect(pool.metrics().tasks.submitted).toBe(0);
});

poolTest('an agent that crashes mid-node fails over like any task', async ({ usePool }) => {
  const { counters } = sharedWords();
  const pool = await usePool({ agent: NODE_AGENT, size: 2, workerData: { counters } });
  const flow = pool.flow({ a: {}, b: { payload: { crashOnAttempt: 1 }, after: ['a'] }, c: { type: 'sum', after: ['b'] } });
  const results = await flow.result;
  expect(results.b.attempt).toBe(2);
  expect(pool.getTask(flow.status().nodes.b.taskId).failedAgentIds).toHaveLength(1);
  expect(results.c.value).toBe(1);
});

/** A wide fan-out, a long chain, and a diamond lattice (layers of 10, each node after two of the layer before). */
function shapes(n) {
  const fan = { src: {} };
  for (let i = 0; i < n; i++) fan[`leaf${i}`] = { after: ['src'] };
  fan.sink = { type: 'sum', after: Object.keys(fan).filter((k) => k.startsWith('leaf')) };
  const chain = { n0: {} };
  for (let i = 1; i < n; i++) chain[`n${i}`] = { after: [`n${i - 1}`] };
  const lattice = {};
  const width = 10;
  for (let layer = 0; layer < Math.ceil(n / width); layer++) {
    for (let k = 0; k < width; k++) lattice[`l${layer}_${k}`] = layer === 0 ? {} : { after: [`l${layer - 1}_${k}`, `l${layer - 1}_${(k + 1) % width}`] };
  }
  return [fan, chain, lattice];
}

poolTest('ten flows of 100+ nodes run in parallel and every node settles exactly once', async ({ usePool }) => {
  const { counters } = sharedWords();
  const pool = await usePool({ agent: NODE_AGENT, size: 2, queueCapacity: 50, workerData: { counters } });
  const events = recordEvents(pool, [PoolEvents.taskCompleted, PoolEvents.taskFailed, PoolEvents.taskCancelled]);
  const specs = Array.from({ length: 10 }, (_, i) => shapes(100)[i % 3]);
  const flows = specs.map((spec, i) => pool.flow(spec, { traceId: `bulk-${i}` }));
  const results = await Promise.all(flows.map((f) => f.result));
  events.stop();
  const nodes = specs.reduce((sum, spec) => sum + Object.keys(spec).length, 0);
  expect(nodes).toBeGreaterThanOrEqual(1_000);
  expect(events.events.taskCompleted).toHaveLength(nodes);
  expect(events.events.taskFailed).toHaveLength(0);
  expect(new Set(events.events.taskCompleted.map((e) => e.taskId)).size).toBe(nodes);
  results.forEach((r, i) => expect(Object.keys(r).sort()).toEqual(Object.keys(specs[i]).sort()));
  // The fan-out's sink saw all 100 leaves.
  expect(results[0].sink.value).toBe(100);
  expect(pool.metrics().flows).toEqual({ running: 0, completed: 10, failed: 0, cancelled: 0 });
});

poolTest('a flow wider than the queue waits for room instead of failing', async ({ usePool }) => {
  const { counters } = sharedWords();
  const pool = await usePool({ agent: NODE_AGENT, size: 1, queueCapacity: 5, workerData: { counters } });
  const spec = { src: {} };
  for (let i = 0; i < 40; i++) spec[`leaf${i}`] = { after: ['src'] };
  const results = await pool.flow(spec).result;
  expect(Object.keys(results)).toHaveLength(41);
});

poolTest("aborting a flow's signal cancels its running and waiting nodes", async ({ usePool }) => {
  const { counters, words } = sharedWords();
  const pool = await usePool({ agent: NODE_AGENT, size: 2, workerData: { counters } });
  const controller = new AbortController();
  const failed = waitForEvents(pool, PoolEvents.flowFailed, 1);
  const flow = pool.flow({ a: {}, hold1: { type: 'hold', after: ['a'] }, hold2: { type: 'hold', after: ['a'] }, later: { after: ['hold1'] } }, { signal: controller.signal });
  await waitForWord(words, 1, 2); // both holds are running
  controller.abort(new Error('stop'));
  const error = await rejectionOf(flow.result);
  expect(error.code).toBe(ErrorCodes.ABORTED);
  const [event] = await failed;
  expect(event.state).toBe('cancelled');
  const nodes = flow.status().nodes;
  expect(nodes.a.status).toBe('completed');
  expect([nodes.hold1.status, nodes.hold2.status, nodes.later.status]).toEqual(['cancelled', 'cancelled', 'cancelled']);
  await waitForWord(words, 2, 2); // both handlers saw their signal abort
  expect(pool.metrics().flows).toMatchObject({ cancelled: 1, running: 0 });
});

poolTest("every node's log lines carry the flow's trace id, its id and the node id", async ({ usePool }) => {
  const { counters } = sharedWords();
  const lines = [];
  let sawBoth;
  const both = new Promise((resolve) => (sawBoth = resolve));
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const raw of chunk.toString('utf8').split('\n')) {
        if (raw === '') continue;
        const line = JSON.parse(raw);
        if (line.msg === 'node ran') lines.push(line);
        if (lines.length === 2) sawBoth();
      }
      done();
    },
  });
  const pool = await usePool({ agent: NODE_AGENT, size: 1, workerData: { counters }, logger: pino({ level: 'info' }, stream) });
  const flow = pool.flow({ first: { type: 'logged' }, second: { type: 'logged', after: ['first'] } }, { traceId: 'logged-flow' });
  await flow.result;
  await both;
  expect(lines.map((l) => [l.nodeId, l.flowId, l.traceId, l.step])).toEqual([
    ['first', flow.id, 'logged-flow', 1],
    ['second', flow.id, 'logged-flow', 1],
  ]);
});
