export { CoordinationPool } from './pool.js';
export { TaskType } from './types.js';
export { PoolEvents, type PoolEventMap, type PoolEventName } from './events.js';
export { DEFAULTS } from './options.js';
export {
  ErrorCodes,
  PoolError,
  QueueFullError,
  PoolFullError,
  PoolClosedError,
  PoolDegradedError,
  TaskFailedError,
  AgentCrashedError,
  AgentHungError,
  TaskTimeoutError,
  UnknownTaskTypeError,
  AbortError,
  InvalidOptionError,
  DataCloneError,
  AgentInitError,
  type ErrorCode,
  type AttemptRecord,
} from './errors.js';
export type {
  PoolOptions,
  TaskOptions,
  TaskHandle,
  TaskSnapshot,
  TaskStatus,
  AgentSnapshot,
  AgentStatus,
  PoolMetrics,
  LatencySummary,
  BottleneckReport,
  BottleneckEntry,
  IsolationReport,
  IsolationAgentReport,
  Logger,
  DependencyCheck,
  BuiltInTaskType,
} from './types.js';
