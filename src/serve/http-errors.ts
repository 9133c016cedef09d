import { isPoolError, type PoolError } from '../errors.js';

/** The JSON body of every error answer: a stable code, a message, and the field at fault when there is one. */
export interface ErrorBody {
  code: string;
  message: string;
  field?: string;
}

const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  ERR_QUEUE_FULL: 429,
  ERR_POOL_FULL: 429,
  ERR_INVALID_OPTION: 400,
  ERR_UNKNOWN_TASK_TYPE: 400,
  ERR_UNMET_CAPABILITY: 400,
  ERR_DATA_CLONE: 400,
  ERR_POOL_CLOSED: 503,
  ERR_POOL_DEGRADED: 503,
  ERR_NO_AGENTS: 503,
};

/** The HTTP answer for an error the pool threw: its status (500 for anything unexpected) and coded body. */
export function httpError(error: unknown): { status: number; body: ErrorBody; retryAfterMs?: number } {
  if (isPoolError(error)) {
    const e = error as PoolError & { option?: string; retryAfterMs?: number };
    const body: ErrorBody = { code: e.code, message: e.message };
    if (typeof e.option === 'string') body.field = e.option;
    return { status: STATUS_BY_CODE[e.code] ?? 500, body, retryAfterMs: e.retryAfterMs };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { status: 500, body: { code: 'ERR_INTERNAL', message } };
}

/** An error as it appears in a task's JSON: what a client can act on, without the stack. */
export function errorJson(error: unknown): ErrorBody & { name?: string; cause?: ErrorBody } {
  if (!(error instanceof Error)) return { code: 'ERR_UNKNOWN', message: String(error) };
  const code = (error as { code?: unknown }).code;
  const out: ErrorBody & { name?: string; cause?: ErrorBody } = { code: typeof code === 'string' ? code : 'ERR_TASK', name: error.name, message: error.message };
  if (error.cause instanceof Error) out.cause = errorJson(error.cause);
  return out;
}
