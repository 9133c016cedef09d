import type { PoolEventMap, PoolEventName, TypedEmitter } from './events.js';
import type { Logger } from './types.js';

type Level = 'debug' | 'info' | 'warn' | 'error';

/**
 * Which lifecycle events become log lines, at what level. Per-task success is
 * left out on purpose: it is the hot path, and metrics() already counts it.
 */
const LINES: { [K in PoolEventName]?: [Level, string] } = {
  taskFailed: ['warn', 'task failed'],
  taskRetried: ['warn', 'task retried on another agent'],
  taskCancelled: ['info', 'task cancelled'],
  taskHeld: ['info', 'task held: a required dependency is down'],
  taskReleased: ['info', 'task released'],
  agentSpawned: ['debug', 'agent spawned'],
  agentReady: ['info', 'agent ready'],
  agentExited: ['warn', 'agent exited'],
  agentError: ['error', 'agent error'],
  agentRestarted: ['info', 'agent restarted'],
  agentHung: ['error', 'agent hung: no heartbeat while busy'],
  dependencyDown: ['warn', 'dependency down'],
  dependencyUp: ['info', 'dependency up'],
  degraded: ['error', 'pool degraded: no agent can start'],
  recovered: ['info', 'pool recovered'],
};

/** Writes the pool's lifecycle events to a pino-compatible logger, fields first (pino's order). */
export function attachLogger(events: TypedEmitter, logger: Logger): void {
  for (const [name, line] of Object.entries(LINES) as [PoolEventName, [Level, string]][]) {
    const [level, msg] = line;
    events.on(name, (payload: PoolEventMap[typeof name]) => {
      // agentExited after a retirement or shutdown is routine.
      const lvl = name === 'agentExited' && (payload as PoolEventMap['agentExited']).reason === 'retired' ? 'info' : level;
      logger[lvl]({ event: name, ...payload }, msg);
    });
  }
}
