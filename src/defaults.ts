/** The pool's defaults, and the priority bounds. */
export const DEFAULTS = Object.freeze({
  size: 4,
  maxSize: 16,
  queueCapacity: 100,
  maxAttempts: 3,
  priority: 5,
  hangTimeoutMs: 30_000,
  heartbeatIntervalMs: 1_000,
  cancelGraceMs: 1_000,
  agingIntervalMs: 1_000,
  inlinePayloadBytes: 4_096,
  dependencyIntervalMs: 1_000,
  sloTargetMs: 500,
  finishedTasksKept: 10_000,
  slowestTasksKept: 100,
  eventJournalSize: 1_000,
  idleSpinUs: 0,
  idleWait: 'async',
  startTimeoutMs: 30_000,
  payloadIsolation: 'shared',
  alerts: Object.freeze({
    slowWarningMs: 30_000,
    slowCriticalMs: 60_000,
    typeP95Ms: 30_000,
    agentFailuresPerHour: 10,
    queueDepthShare: 0.8,
  }),
});

export const MIN_PRIORITY = 10;
export const MAX_PRIORITY = 1;
