/** Event listeners get typed payloads, and an unknown event name does not compile. */
import { CoordinationPool, PoolEvents } from 'daedalus-pool';
import { expectType, type Equal } from './assert.js';
import type agent from './typed-agent.js';

const pool = new CoordinationPool<typeof agent>({ agent: new URL('./typed-agent.js', import.meta.url) });

pool.on(PoolEvents.taskRetried, (e) => {
  expectType<Equal<typeof e.taskId, number>>(true);
  expectType<Equal<typeof e.fromAgentId, number>>(true);
  console.log(e.error.message);
});
pool.on(PoolEvents.taskCompleted, (e) => {
  expectType<Equal<typeof e.traceId, string>>(true);
});
pool.on(PoolEvents.agentAbandoned, (e) => {
  expectType<Equal<typeof e.restarts, number>>(true);
  expectType<Equal<typeof e.windowMs, number>>(true);
  expectType<Equal<typeof e.error, Error>>(true);
});
// @ts-expect-error: restart takes both maxRestarts and windowMs
new CoordinationPool<typeof agent>({ agent: new URL('./typed-agent.js', import.meta.url), restart: { maxRestarts: 2 } });
// @ts-expect-error: there is no such event
pool.on('taskExploded', () => undefined);
