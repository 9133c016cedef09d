/**
 * Error classes narrow `code` to their own literal, and isPoolError(e, code)
 * narrows a caught value to that class, fields included.
 */
import { isPoolError, type AllAgentsAbandonedError, type ErrorCode, type PoolError, type QueueFullError, type TaskTimeoutError } from 'daedalus-pool';
import { expectType, type Equal } from './assert.js';

expectType<Equal<QueueFullError['code'], 'ERR_QUEUE_FULL'>>(true);
expectType<Equal<TaskTimeoutError['code'], 'ERR_TASK_TIMEOUT'>>(true);
expectType<Equal<PoolError['code'], ErrorCode>>(true);
expectType<Equal<AllAgentsAbandonedError['code'], 'ERR_NO_AGENTS'>>(true);

export function handle(error: unknown): number {
  if (isPoolError(error, 'ERR_QUEUE_FULL')) {
    expectType<Equal<typeof error, QueueFullError>>(true);
    return error.retryAfterMs;
  }
  if (isPoolError(error, 'ERR_NO_AGENTS')) {
    expectType<Equal<typeof error, AllAgentsAbandonedError>>(true);
    return error.abandonedAgentIds.length;
  }
  if (isPoolError(error)) {
    expectType<Equal<typeof error, PoolError>>(true);
    return 0;
  }
  // @ts-expect-error: not a code the pool raises
  isPoolError(error, 'ERR_NOT_A_CODE');
  return -1;
}
