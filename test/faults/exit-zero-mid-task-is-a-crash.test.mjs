/**
 * An agent calls `process.exit(0)` with a task in flight. Expected: treated as
 * a crash (the worker emits only `exit`, no `error`); the task never resolves
 * `undefined`.
 */
import { expect, vi } from 'vitest';
import { AgentCrashedError, ErrorCodes, PoolEvents, TaskFailedError } from '../../dist/src/index.js';
import { poolTest } from '../fixtures/use-pool.mjs';
import { TEST_TIMEOUT_MS, rejectionOf, waitForEvents } from '../helpers.mjs';

vi.setConfig({ testTimeout: TEST_TIMEOUT_MS, hookTimeout: TEST_TIMEOUT_MS });

poolTest('exit(0) mid-task is a crash: the task fails over and resolves with the retry\'s value', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 3, workerData: { counters: counters.sab } });
  const exited = waitForEvents(pool, PoolEvents.agentExited, 1);
  const value = await pool.run({ op: 'exit', exitCode: 0, faultOnAttempts: 1, key: 0, value: 'kept' });
  expect(value).toBeDefined();
  expect(value).toMatchObject({ value: 'kept', attempt: 2 });
  expect(counters.started(0)).toBe(2);
  const [exit] = await exited;
  expect(exit.exitCode).toBe(0);
  expect(exit.reason).toBe('crashed');
});

poolTest('exit(0) on every attempt: fails with AgentCrashedError (exit code 0) after maxAttempts', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 3, maxAttempts: 2, workerData: { counters: counters.sab } });
  const error = await rejectionOf(pool.run({ op: 'exit', exitCode: 0, key: 1 }));
  expect(error).toBeInstanceOf(TaskFailedError);
  expect(error.code).toBe(ErrorCodes.TASK_FAILED);
  expect(error.cause).toBeInstanceOf(AgentCrashedError);
  expect(error.cause.code).toBe(ErrorCodes.AGENT_CRASHED);
  expect(error.cause.exitCode).toBe(0);
  expect(error.attempts).toHaveLength(2);
  expect(error.attempts.map((a) => a.error.code)).toEqual([ErrorCodes.AGENT_CRASHED, ErrorCodes.AGENT_CRASHED]);
  expect(counters.started(1)).toBe(2);
});

poolTest('exit(0) with idempotent:false: fails with AgentCrashedError, not re-run', async ({ usePool, counters }) => {
  const pool = await usePool({ size: 3, workerData: { counters: counters.sab } });
  const error = await rejectionOf(pool.run({ op: 'exit', exitCode: 0, faultOnAttempts: 1, key: 2 }, { idempotent: false }));
  expect(error.code).toBe(ErrorCodes.TASK_FAILED);
  expect(error.cause.code).toBe(ErrorCodes.AGENT_CRASHED);
  expect(error.cause.exitCode).toBe(0);
  expect(counters.started(2)).toBe(1);
});
