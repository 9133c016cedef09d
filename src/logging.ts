import type { EventBus } from './bus.js';
import type { PoolEventMap, PoolEventName } from './event-map.js';
import type { Logger } from './types.js';

type Level = 'debug' | 'info' | 'warn' | 'error';

/**
 * Which lifecycle events become log lines, at what level. A task's routine
 * steps (queued, started, completed) are debug lines: with a logger at info
 * they cost a no-op call; at debug, one task's traceId is on every line of its
 * life. Every task line carries traceId, taskId and type, plus agentId and
 * attempt once it has an agent.
 */
const LINES: { [K in PoolEventName]?: [Level, string] } = {
  taskQueued: ['debug', 'task queued'],
  taskStarted: ['debug', 'task assigned and started'],
  taskCompleted: ['debug', 'task completed'],
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
  agentAbandoned: ['error', 'agent abandoned: restart limit reached, it is not restarted'],
  dependencyDown: ['warn', 'dependency down'],
  dependencyUp: ['info', 'dependency up'],
  degraded: ['error', 'pool degraded: no agent can start'],
  recovered: ['info', 'pool recovered'],
  alert: ['warn', 'alert'],
  metricsReset: ['info', 'metrics window reset'],
  scheduleFired: ['debug', 'schedule fired a task'],
  scheduleSkipped: ['debug', 'schedule skipped a firing: its previous task is still pending'],
  scheduleRejected: ['warn', 'schedule firing refused at admission'],
};

/**
 * Writes the pool's lifecycle events to a pino-compatible logger, fields first
 * (pino's order). An event's `error` is logged under `err`, the key pino's
 * serializer knows (type, message, stack, code and own fields; the causes'
 * messages and stacks appended). A logger that throws is reported once as a
 * process warning (code ERR_LOGGER_THREW) and never reaches the part that
 * published the event.
 */
export function attachLogger(bus: EventBus, logger: Logger): void {
  for (const [name, line] of Object.entries(LINES) as [PoolEventName, [Level, string]][]) {
    const [level, msg] = line;
    bus.on(name, (payload: PoolEventMap[typeof name]) => {
      // agentExited after a retirement or shutdown is routine.
      let lvl = name === 'agentExited' && (payload as PoolEventMap['agentExited']).reason === 'retired' ? 'info' : level;
      let text = msg;
      if (name === 'alert') {
        const alert = payload as PoolEventMap['alert'];
        lvl = alert.severity === 'critical' ? 'error' : 'warn';
        text = `alert: ${alert.message}`;
      }
      try {
        logger[lvl](lineOf(name, payload), text);
      } catch (error) {
        bus.reportCallbackError('ERR_LOGGER_THREW', `the logger's ${lvl}() threw`, error);
      }
    });
  }
}

/** The logged object: the payload with `error` renamed `err` (the event itself keeps `error`); an absent error is left out. */
function lineOf(name: PoolEventName, payload: object): Record<string, unknown> {
  if (!('error' in payload)) return { event: name, ...payload };
  const { error, ...rest } = payload;
  return error === undefined ? { event: name, ...rest } : { event: name, ...rest, err: error };
}
