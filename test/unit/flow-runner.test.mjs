// The flow runner over a fake submit (no threads): what starts when, what a failure blocks, retry, room.
import { describe, expect, it } from 'vitest';
import { FlowFailedError, QueueFullError } from '../../dist/src/errors.js';
import { Flow } from '../../dist/src/flows/flow.js';
import { buildGraph } from '../../dist/src/flows/spec.js';

/** A submit whose tasks the test settles by node id; `full` makes the next submits throw QueueFullError. */
function fakePool() {
  const tasks = new Map();
  let id = 0;
  let roomWaiter;
  const pool = {
    full: false,
    submitted: [],
    submit(payload, options) {
      if (pool.full) throw new QueueFullError(5, 5, 10);
      const task = { id: ++id, options, payload };
      task.result = new Promise((resolve, reject) => Object.assign(task, { resolve, reject }));
      tasks.set(options.flow.node, task);
      pool.submitted.push(options.flow.node);
      return { id: task.id, traceId: options.traceId, result: task.result };
    },
    task: (node) => tasks.get(node),
    room: () => new Promise((resolve) => (roomWaiter = resolve)),
    openRoom: () => roomWaiter?.(),
  };
  return pool;
}

function makeFlow(spec, pool, states = []) {
  return new Flow({ id: 1, traceId: 't', graph: buildGraph(spec), signal: undefined, submit: pool.submit, getTask: () => undefined, room: pool.room, onState: (_f, s) => states.push(s) });
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('Flow', () => {
  it('submits the roots, then each node once its inputs completed, with their results as inputs', async () => {
    const pool = fakePool();
    const flow = makeFlow({ a: {}, b: { after: ['a'] }, c: { after: ['a'] }, d: { after: ['b', 'c'] } }, pool);
    expect(pool.submitted).toEqual(['a']);
    pool.task('a').resolve('A');
    await turn();
    expect(pool.submitted).toEqual(['a', 'b', 'c']);
    expect(pool.task('b').options.flow.inputs).toEqual({ a: 'A' });
    pool.task('b').resolve('B');
    await turn();
    expect(pool.submitted).toEqual(['a', 'b', 'c']);
    pool.task('c').resolve('C');
    await turn();
    expect(pool.task('d').options.flow.inputs).toEqual({ b: 'B', c: 'C' });
    pool.task('d').resolve('D');
    await expect(flow.result).resolves.toEqual({ a: 'A', b: 'B', c: 'C', d: 'D' });
  });

  it('a failure blocks only its transitive dependents and rejects once, after the independent branch ended', async () => {
    const pool = fakePool();
    const states = [];
    const flow = makeFlow({ a: {}, b: {}, a2: { after: ['a'] }, a3: { after: ['a2'] }, b2: { after: ['b'] } }, pool, states);
    let settled = false;
    flow.result.catch(() => (settled = true));
    pool.task('a').reject(new Error('a broke'));
    await turn();
    expect(settled).toBe(false); // b is still running
    pool.task('b').resolve(1);
    await turn();
    pool.task('b2').resolve(2);
    const error = await flow.result.catch((e) => e);
    expect(error).toBeInstanceOf(FlowFailedError);
    expect([error.failed, error.blocked]).toEqual([['a'], ['a2', 'a3']]);
    expect(states).toEqual(['failed']);
    // retry: a runs again, then what it blocked; b and b2 are not submitted again.
    const again = flow.retry('a');
    expect(states).toEqual(['failed', 'running']);
    pool.task('a').resolve('A');
    await turn();
    pool.task('a2').resolve('A2');
    await turn();
    pool.task('a3').resolve('A3');
    await expect(again).resolves.toEqual({ a: 'A', b: 1, a2: 'A2', a3: 'A3', b2: 2 });
    expect(pool.submitted).toEqual(['a', 'b', 'b2', 'a', 'a2', 'a3']);
  });

  it('waits for room when the queue is full, then submits what was refused, in order', async () => {
    const pool = fakePool();
    pool.full = true;
    const flow = makeFlow({ x: {}, y: {} }, pool);
    expect(pool.submitted).toEqual([]);
    expect(flow.status().nodes.x.status).toBe('queued');
    pool.full = false;
    pool.openRoom();
    await turn();
    expect(pool.submitted).toEqual(['x', 'y']);
    pool.task('x').resolve(1);
    pool.task('y').resolve(2);
    await expect(flow.result).resolves.toEqual({ x: 1, y: 2 });
  });
});
