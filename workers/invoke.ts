/**
 * How the agent runtime calls a user's handler. Kept apart from the runtime so
 * the one call site below stays the only place a handler is called from.
 */
import type { Handler, TaskContext } from './agent.js';

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * Every handler is called from this one call site, which has seen two targets
 * before the first task (below), so V8 treats it as megamorphic and never
 * inlines a user's handler into our frames. Inlined there, inside the try
 * block that catches its errors, a CPU-bound handler ran at less than half
 * speed: 1 ms tasks took 2.4-2.8 ms of agent CPU each once the caller was
 * optimized, against 1.0-1.2 ms called on its own (and in the peer pools).
 */
export function invokeHandler(handler: Handler, payload: unknown, ctx: TaskContext): unknown {
  return handler(payload, ctx);
}
// V8 records call feedback only once a function has run a few times (lazy feedback
// allocation), so alternate two targets for a while: the site then stays megamorphic.
for (let i = 0; i < 64; i++) invokeHandler(i % 2 === 0 ? primeA : primeB, undefined, undefined as never);
function primeA(): number {
  return 0;
}
function primeB(): number {
  return 1;
}
