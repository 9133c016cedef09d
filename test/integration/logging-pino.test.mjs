/**
 * The pool's logging through a real pino logger, writing JSON lines to an
 * in-memory stream: errors under `err` (pino's serializer shows type, message,
 * stack and code), ctx.log called the way pino is (fields first, an error
 * first, printf arguments, child()), and the pool's own use of child() for
 * each agent incarnation.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { expect } from 'vitest';
import { ErrorCodes } from '../../dist/src/index.js';
import { HANDLER_LINE, SETUP_LINE } from '../fixtures/observability-agent.mjs';
import { poolTest } from '../fixtures/use-pool.mjs';
import { WAIT_MS, rejectionOf, withTimeout } from '../helpers.mjs';

const OBS_AGENT = new URL('../fixtures/observability-agent.mjs', import.meta.url);

/**
 * A pino logger at debug whose destination keeps every line, raw and parsed;
 * waitFor(pred) resolves with the first parsed line that matches, as soon as
 * it is written (pino writes to a plain Writable synchronously).
 */
function pinoCapture() {
  const lines = [];
  let waiters = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const raw of chunk.toString('utf8').split('\n')) {
        if (raw === '') continue;
        const entry = { raw, ...JSON.parse(raw) };
        lines.push(entry);
        waiters = waiters.filter((w) => {
          if (!w.pred(entry)) return true;
          w.resolve(entry);
          return false;
        });
      }
      done();
    },
  });
  return {
    lines,
    logger: pino({ level: 'debug' }, stream),
    waitFor(pred, what) {
      const found = lines.find(pred);
      if (found !== undefined) return Promise.resolve(found);
      return withTimeout(new Promise((resolve) => waiters.push({ pred, resolve })), WAIT_MS, `pino line: ${what}`);
    },
  };
}

/** Starts a pool through `usePool` whose logger is a real pino writing to memory. */
/** A pino capture whose logger records the bindings of every child() made from it. */
function pinoCaptureWithChildSpy() {
  const capture = pinoCapture();
  const childCalls = [];
  const makeChild = capture.logger.child.bind(capture.logger);
  capture.logger.child = (bindings, options) => {
    childCalls.push(bindings);
    return makeChild(bindings, options);
  };
  return { capture, childCalls };
}

async function startWithPino(usePool, options = {}) {
  const capture = pinoCapture();
  const pool = await usePool({ agent: OBS_AGENT, size: 1, logger: capture.logger, ...options });
  return { pool, capture };
}

/** Runs one `logLines` task making these ctx.log calls; resolves with its handle and result. */
async function logLines(pool, lines, traceId) {
  const handle = pool.submit({ lines }, { type: 'logLines', traceId });
  return { handle, value: await handle.result };
}

const PINO_LEVEL = { debug: 20, info: 30, warn: 40, error: 50 };
const occurrences = (text, part) => text.split(part).length - 1;

poolTest("a failed task's pino line shows err with its type, message, stack, code and the handler's error as cause", async ({ usePool }) => {
  const { pool, capture } = await startWithPino(usePool);
  const handle = pool.submit({ op: 'throw', code: 'E_DB_DOWN', message: 'db down' }, { type: 'research', traceId: 'trace-fail' });
  const error = await rejectionOf(handle.result);
  expect(error.code).toBe(ErrorCodes.TASK_FAILED);
  const line = await capture.waitFor((l) => l.event === 'taskFailed' && l.taskId === handle.id, 'taskFailed');
  expect(line).toMatchObject({ level: PINO_LEVEL.warn, msg: 'task failed', traceId: 'trace-fail', type: 'research', attempt: 1 });
  expect(line.error).toBeUndefined();
  expect(line.err.type).toBe('TaskFailedError');
  expect(line.err.code).toBe(ErrorCodes.TASK_FAILED);
  expect(line.err.message).toContain(error.message);
  expect(line.err.message).toContain('db down');
  // pino appends each cause's stack: the handler's own error, from the agent's thread, is there.
  expect(line.err.stack).toMatch(/^TaskFailedError: Task \d+ failed/);
  expect(line.err.stack).toContain('caused by: FixtureError: db down');
});

poolTest('an agent error event is logged with err, not error', async ({ usePool }) => {
  const { pool, capture } = await startWithPino(usePool);
  const handle = pool.submit({ op: 'exit', exitCode: 3, faultOnAttempts: 1 }, { type: 'research', traceId: 'trace-retry' });
  await handle.result;
  const retried = await capture.waitFor((l) => l.event === 'taskRetried' && l.taskId === handle.id, 'taskRetried');
  expect(retried.error).toBeUndefined();
  expect(retried.err).toMatchObject({ type: 'AgentCrashedError', code: ErrorCodes.AGENT_CRASHED });
  expect(retried.err.stack).toMatch(/^AgentCrashedError: /);
});

poolTest("ctx.log.info({ rows: 3 }, 'ingested') gives a pino line with rows, msg and the task's ids", async ({ usePool }) => {
  const { pool, capture } = await startWithPino(usePool);
  const { handle, value } = await logLines(pool, [{ level: 'info', args: [{ rows: 3 }, 'ingested'] }], 'trace-rows');
  const line = await capture.waitFor((l) => l.msg === 'ingested', 'ingested');
  expect(line).toMatchObject({
    level: PINO_LEVEL.info,
    rows: 3,
    traceId: 'trace-rows',
    taskId: handle.id,
    agentId: value.agentId,
    generation: value.generation,
    type: 'logLines',
    attempt: 1,
  });
});

poolTest("ctx.log.error(new TypeError('x'), 'failed') gives err.type TypeError with its message and stack", async ({ usePool }) => {
  const { pool, capture } = await startWithPino(usePool);
  await logLines(pool, [{ level: 'error', args: [{ $error: { name: 'TypeError', message: 'x' } }, 'failed'] }], 'trace-type');
  const line = await capture.waitFor((l) => l.msg === 'failed', 'failed');
  expect(line.level).toBe(PINO_LEVEL.error);
  expect(line.traceId).toBe('trace-type');
  expect(line.err).toMatchObject({ type: 'TypeError', message: 'x' });
  expect(line.err.stack).toMatch(/^TypeError: x\n\s+at /);
});

poolTest("an error under err in ctx.log fields keeps its class and code; alone, it gives the line its message", async ({ usePool }) => {
  const { pool, capture } = await startWithPino(usePool);
  await logLines(
    pool,
    [
      { level: 'warn', args: [{ err: { $error: { name: 'FixtureError', message: 'no rows', code: 'E_NO_ROWS' } }, table: 't1' }, 'empty table'] },
      { level: 'error', args: [{ $error: { name: 'RangeError', message: 'out of range', code: 'E_RANGE' } }] },
    ],
    'trace-code',
  );
  const fields = await capture.waitFor((l) => l.msg === 'empty table', 'empty table');
  expect(fields.table).toBe('t1');
  expect(fields.err).toMatchObject({ type: 'FixtureError', message: 'no rows', code: 'E_NO_ROWS' });
  expect(fields.err.stack).toMatch(/^FixtureError: no rows/);
  const alone = await capture.waitFor((l) => l.err?.type === 'RangeError', 'RangeError');
  expect(alone).toMatchObject({ msg: 'out of range', err: { message: 'out of range', code: 'E_RANGE' } });
});

poolTest('ctx.log interpolates printf arguments: %s %d %i %f %j %o %O %%', async ({ usePool }) => {
  const { pool, capture } = await startWithPino(usePool);
  await logLines(
    pool,
    [
      { level: 'info', args: ['%s has %d rows, %i whole, %f exact: %j %o %O, 100%%', 'users', '3', 2.7, 1.5, { a: 1 }, [1, 2], 'q'] },
      { level: 'debug', args: [{ step: 'load' }, 'loaded %s in %d ms', 'users', 12] },
    ],
    'trace-printf',
  );
  const plain = await capture.waitFor((l) => l.msg?.startsWith('users has'), 'printf line');
  expect(plain.msg).toBe(`users has 3 rows, 2 whole, 1.5 exact: {"a":1} [1,2] 'q', 100%`);
  expect(plain.traceId).toBe('trace-printf');
  const withFields = await capture.waitFor((l) => l.msg?.startsWith('loaded'), 'printf line with fields');
  expect(withFields).toMatchObject({ level: PINO_LEVEL.debug, msg: 'loaded users in 12 ms', step: 'load', traceId: 'trace-printf' });
});

poolTest("ctx.log.child({ step: 'parse' }).info('m') carries step and the task's ids; a call's fields win, the task's ids always", async ({ usePool }) => {
  const { pool, capture } = await startWithPino(usePool);
  const { handle } = await logLines(
    pool,
    [
      { level: 'info', child: { step: 'parse' }, args: ['m'] },
      { level: 'info', child: [{ step: 'parse', file: 'a.csv' }, { row: 7 }], args: [{ step: 'validate' }, 'nested'] },
      { level: 'info', child: { taskId: 999, traceId: 'forged' }, args: ['claims'] },
    ],
    'trace-child',
  );
  const m = await capture.waitFor((l) => l.msg === 'm', 'child line');
  expect(m).toMatchObject({ step: 'parse', taskId: handle.id, traceId: 'trace-child', type: 'logLines' });
  const nested = await capture.waitFor((l) => l.msg === 'nested', 'nested child line');
  expect(nested).toMatchObject({ step: 'validate', file: 'a.csv', row: 7, taskId: handle.id });
  const claims = await capture.waitFor((l) => l.msg === 'claims', 'line whose child binds task ids');
  expect(claims).toMatchObject({ taskId: handle.id, traceId: 'trace-child' });
  expect(occurrences(claims.raw, '"taskId"')).toBe(1);
});

poolTest("setup()'s ctx.log line carries the agent's ids and no task's", async ({ usePool }) => {
  const { capture } = await startWithPino(usePool, { workerData: { setupLine: true } });
  const line = await capture.waitFor((l) => l.msg === SETUP_LINE, 'setup line');
  expect(line).toMatchObject({ level: PINO_LEVEL.info, phase: 'setup', agentId: 1, generation: 1 });
  expect(line.taskId).toBeUndefined();
});

poolTest("agent lines go through the logger's child(), made once per incarnation with agentId and generation", async ({ usePool }) => {
  const { capture, childCalls } = pinoCaptureWithChildSpy();
  const pool = await usePool({ agent: OBS_AGENT, size: 1, logger: capture.logger });
  const first = pool.submit({ op: 'echo', fields: { agentId: 999 } }, { type: 'logged' });
  const second = pool.submit({ op: 'echo' }, { type: 'logged' });
  await Promise.all([first.result, second.result]);
  const lines = await Promise.all([first, second].map((h) => capture.waitFor((l) => l.msg === HANDLER_LINE && l.taskId === h.id, `handler line of ${h.id}`)));
  expect(childCalls).toEqual([{ agentId: 1, generation: 1 }]);
  for (const line of lines) {
    expect(line).toMatchObject({ agentId: 1, generation: 1 });
    // Bound once by the child, not repeated by the line (a line's own agentId is dropped).
    expect(occurrences(line.raw, '"agentId"')).toBe(1);
    expect(occurrences(line.raw, '"generation"')).toBe(1);
  }
  // The pool's own lifecycle lines do not go through a child.
  const queued = capture.lines.find((l) => l.event === 'taskQueued' && l.taskId === first.id);
  expect(queued.agentId).toBeUndefined();
});

poolTest("a restarted agent's lines go through a new child bound to its next generation", async ({ usePool }) => {
  const { capture, childCalls } = pinoCaptureWithChildSpy();
  const pool = await usePool({ agent: OBS_AGENT, size: 1, logger: capture.logger });
  // Attempt 1 logs, then its agent exits; attempt 2 logs from the replacement.
  const handle = pool.submit({ op: 'exit', exitCode: 3, faultOnAttempts: 1 }, { type: 'logged' });
  await handle.result;
  const line = await capture.waitFor((l) => l.msg === HANDLER_LINE && l.attempt === 2, 'handler line of attempt 2');
  expect(line).toMatchObject({ agentId: 1, generation: 2, taskId: handle.id });
  expect(childCalls).toContainEqual({ agentId: 1, generation: 2 });
  expect(childCalls.filter((b) => b.generation === 2)).toHaveLength(1);
});
