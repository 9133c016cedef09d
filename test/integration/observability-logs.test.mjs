/**
 * Structured logs through a pino-compatible `logger`: one task's traceId is
 * on every line of its life, retries included; a handler's ctx.log writes
 * through the same logger with the task's fields; a traceId is generated when
 * the caller gives none. Lines are matched on their `event` field, not on
 * message text.
 */
import { once } from 'node:events';
import { expect } from 'vitest';
import { ErrorCodes } from '../../dist/src/index.js';
import { HANDLER_LINE } from '../fixtures/observability-agent.mjs';
import { poolTest } from '../fixtures/use-pool.mjs';
import { WAIT_MS, rejectionOf, withTimeout } from '../helpers.mjs';

const OBS_AGENT = new URL('../fixtures/observability-agent.mjs', import.meta.url);

/** A logger that keeps every line as { level, obj, msg }; waitFor(pred) resolves with the first line that matches. */
function captureLogger() {
  const lines = [];
  let waiters = [];
  const line = (level) => (obj, msg) => {
    const entry = { level, obj, msg };
    lines.push(entry);
    waiters = waiters.filter((w) => {
      if (!w.pred(entry)) return true;
      w.resolve(entry);
      return false;
    });
  };
  return {
    lines,
    logger: { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') },
    waitFor(pred, what) {
      const found = lines.find(pred);
      if (found !== undefined) return Promise.resolve(found);
      return withTimeout(new Promise((resolve) => waiters.push({ pred, resolve })), WAIT_MS, `log line: ${what}`);
    },
  };
}

/** Starts a pool through `usePool` whose logger keeps every line. */
async function startLogged(usePool, counters, options = {}) {
  const capture = captureLogger();
  const pool = await usePool({ agent: OBS_AGENT, size: 2, logger: capture.logger, workerData: { counters: counters.sab }, ...options });
  return { pool, capture };
}

const linesOf = (capture, taskId) => capture.lines.filter((l) => l.obj?.taskId === taskId);

poolTest('a task that crashes its agent and succeeds on retry has its traceId on every line of its life', async ({ usePool, counters }) => {
  const { pool, capture } = await startLogged(usePool, counters);
  const handle = pool.submit({ op: 'exit', exitCode: 3, faultOnAttempts: 1 }, { type: 'research', traceId: 'trace-x' });
  expect(handle.traceId).toBe('trace-x');
  const value = await handle.result;
  expect(value.attempt).toBe(2);

  const lines = linesOf(capture, handle.id);
  expect(lines.length).toBeGreaterThan(0);
  for (const l of lines) {
    expect(l.obj.traceId, JSON.stringify(l.obj)).toBe('trace-x');
    expect(l.obj.type).toBe('research');
    expect(typeof l.msg).toBe('string');
  }
  const events = lines.map((l) => l.obj.event);
  for (const e of ['taskQueued', 'taskStarted', 'taskRetried', 'taskCompleted']) expect(events).toContain(e);
  expect(events.indexOf('taskQueued')).toBe(0);
  expect(events.at(-1)).toBe('taskCompleted');

  const task = pool.getTask(handle.id);
  const [firstAgent] = task.failedAgentIds;
  const started = lines.filter((l) => l.obj.event === 'taskStarted');
  expect(started.map((l) => [l.obj.attempt, l.obj.agentId])).toEqual([
    [1, firstAgent],
    [2, task.agentId],
  ]);
  const retried = lines.find((l) => l.obj.event === 'taskRetried');
  expect(retried.obj).toMatchObject({ agentId: firstAgent, attempt: 2 });
  expect(retried.level).toBe('warn');
  const completed = lines.find((l) => l.obj.event === 'taskCompleted');
  expect(completed.obj).toMatchObject({ agentId: task.agentId, attempt: 2 });
  expect(lines.find((l) => l.obj.event === 'taskQueued').level).toBe('debug');
  expect(completed.level).toBe('debug');
  // The crash itself is logged too, as the agent's exit.
  expect(capture.lines.some((l) => l.obj?.event === 'agentExited' && l.obj.agentId === firstAgent)).toBe(true);
});

poolTest("a handler's ctx.log line carries agentId, taskId, traceId, type and attempt", async ({ usePool, counters }) => {
  const { pool, capture } = await startLogged(usePool, counters);
  const handle = pool.submit({ op: 'echo', fields: { step: 'parse', agentId: 999 } }, { type: 'logged', traceId: 'trace-log' });
  const value = await handle.result;
  // The line travels by message, the result through shared memory: it may arrive after the result.
  const line = await capture.waitFor((l) => l.msg === HANDLER_LINE && l.obj.taskId === handle.id, 'handler line');
  expect(line.level).toBe('info');
  expect(line.obj).toMatchObject({ taskId: handle.id, traceId: 'trace-log', type: 'logged', attempt: 1, agentId: value.agentId, generation: value.generation, step: 'parse' });
  expect(value.traceId).toBe('trace-log');
});

poolTest('without a traceId one is generated, seen by the handler and on every line of the task', async ({ usePool, counters }) => {
  const { pool, capture } = await startLogged(usePool, counters);
  const a = pool.submit({ op: 'echo' }, { type: 'logged' });
  const b = pool.submit({ op: 'echo' }, { type: 'logged' });
  expect(typeof a.traceId).toBe('string');
  expect(a.traceId.length).toBeGreaterThan(0);
  expect(b.traceId).not.toBe(a.traceId);
  const [va, vb] = await Promise.all([a.result, b.result]);
  expect(va.traceId).toBe(a.traceId);
  expect(vb.traceId).toBe(b.traceId);
  expect(pool.getTask(a.id).traceId).toBe(a.traceId);
  await capture.waitFor((l) => l.msg === HANDLER_LINE && l.obj.taskId === a.id, 'handler line of a');
  for (const [handle, events] of [[a, ['taskQueued', 'taskStarted', 'taskCompleted']], [b, ['taskQueued', 'taskStarted', 'taskCompleted']]]) {
    const lines = linesOf(capture, handle.id);
    for (const l of lines) expect(l.obj.traceId).toBe(handle.traceId);
    for (const e of events) expect(lines.map((l) => l.obj.event)).toContain(e);
  }
  expect(linesOf(capture, a.id).some((l) => l.msg === HANDLER_LINE)).toBe(true);
});

poolTest('a failed task is logged at warn with its fields and its error under err; a critical alert at error', async ({ usePool, counters }) => {
  const { pool, capture } = await startLogged(usePool, counters, { size: 1, alerts: { agentFailuresPerHour: 0 } });
  const handle = pool.submit({ op: 'throw', code: 'E_LOGGED' }, { type: 'research', traceId: 'trace-fail' });
  const error = await rejectionOf(handle.result);
  expect(error.code).toBe(ErrorCodes.TASK_FAILED);
  const failed = linesOf(capture, handle.id).find((l) => l.obj.event === 'taskFailed');
  expect(failed.level).toBe('warn');
  expect(failed.obj).toMatchObject({ taskId: handle.id, traceId: 'trace-fail', type: 'research', agentId: 1, attempt: 1 });
  // pino's key, which its serializer knows; the event itself keeps `error`.
  expect(failed.obj.err).toBe(error);
  expect(failed.obj.err.cause.code).toBe('E_LOGGED');
  expect('error' in failed.obj).toBe(false);
  const alert = capture.lines.find((l) => l.obj?.event === 'alert');
  expect(alert.level).toBe('error');
  expect(alert.obj).toMatchObject({ kind: 'agentFailures', severity: 'critical', agentId: 1 });
});

poolTest('an Error in ctx.log fields reaches the logger as an Error with its class, message, stack, code and cause', async ({ usePool, counters }) => {
  const { pool, capture } = await startLogged(usePool, counters);
  const handle = pool.submit(
    {
      lines: [
        {
          level: 'warn',
          args: [{ err: { $error: { name: 'FixtureError', message: 'no rows', code: 'E_NO_ROWS' } }, other: { $error: { name: 'TypeError', message: 'bad type', code: 'E_TYPE' } }, rows: 0 }, 'two errors'],
        },
      ],
    },
    { type: 'logLines' },
  );
  await handle.result;
  const line = await capture.waitFor((l) => l.msg === 'two errors', 'two errors');
  expect(line.obj.rows).toBe(0);
  expect(line.obj.taskId).toBe(handle.id);
  expect(line.obj.err).toBeInstanceOf(Error);
  expect(line.obj.err).toMatchObject({ name: 'FixtureError', message: 'no rows', code: 'E_NO_ROWS' });
  expect(line.obj.err.constructor.name).toBe('FixtureError');
  expect(line.obj.err.stack).toMatch(/^FixtureError: no rows\n\s+at /);
  expect(line.obj.other).toBeInstanceOf(TypeError);
  expect(line.obj.other).toMatchObject({ message: 'bad type', code: 'E_TYPE' });
});

poolTest("a logger whose child() throws is reported as ERR_LOGGER_THREW and the agent's lines are still written, ids merged", async ({ usePool, counters }) => {
  const capture = captureLogger();
  capture.logger.child = () => {
    throw new Error('child() is broken');
  };
  const warned = (async () => {
    for (;;) {
      const [warning] = await once(process, 'warning');
      if (warning.code === 'ERR_LOGGER_THREW' && warning.message.includes('child()')) return warning;
    }
  })();
  const pool = await usePool({ agent: OBS_AGENT, size: 1, logger: capture.logger, workerData: { counters: counters.sab } });
  const handle = pool.submit({ op: 'echo' }, { type: 'logged' });
  const value = await handle.result;
  const line = await capture.waitFor((l) => l.msg === HANDLER_LINE && l.obj.taskId === handle.id, 'handler line');
  expect(line.obj).toMatchObject({ agentId: value.agentId, generation: value.generation, traceId: handle.traceId });
  const warning = await withTimeout(warned, WAIT_MS, 'ERR_LOGGER_THREW warning');
  expect(warning.detail).toContain('child() is broken');
});
