/**
 * A listener that throws must not take the pool down. Today a throw from a
 * `taskCompleted` or `taskFailed` listener escapes the completion loop (the
 * loop dies, most tasks never settle) and one from `agentReady` escapes the
 * worker's message handler (ready() never resolves). Expected: the pool
 * catches the listener's exception, reports it as a process warning with code
 * ERR_LISTENER_THREW (process.emitWarning), and carries on: ready() resolves,
 * every task settles, nothing reaches the process's uncaught handlers.
 * Each case runs in a child process (./fixtures/throwing-listener-child.mjs).
 */
import { expect, test } from 'vitest';
import { PoolEvents } from '../../dist/src/index.js';
import { describeRun, runNode } from './run-node.mjs';

const CHILD = new URL('./fixtures/throwing-listener-child.mjs', import.meta.url);
const LISTENER_THREW = 'ERR_LISTENER_THREW';

for (const event of [PoolEvents.taskCompleted, PoolEvents.taskFailed, PoolEvents.agentReady]) {
  test(`a throwing ${event} listener: ready() resolves, every task settles, a ${LISTENER_THREW} warning is emitted`, async () => {
    const run = await runNode(CHILD, [event], 25_000);
    const r = run.result;
    expect(r, describeRun(run)).toBeDefined();
    // One comparison, so a failure shows the whole picture (what escaped, what settled).
    const seen = { uncaught: r.uncaught, ready: r.ready, finished: r.finished, settled: r.settled, completed: r.completed, failed: r.failed };
    expect(seen).toEqual({ uncaught: [], ready: 'resolved', finished: 'done', settled: r.total, completed: r.total / 2, failed: r.total / 2 });
    expect(r.warnings.map((w) => w.code)).toContain(LISTENER_THREW);
  }, 30_000);
}
