import { PROTOCOL_VERSION } from './protocol.js';

/**
 * The coordinator's check of every message an agent posts. An agent runs user
 * code, so its messages are input like any other: a message of an unknown
 * kind, a missing or mistyped field, or a handshake after the handshake is
 * refused here, before any part of the coordinator acts on it. Returns what is
 * wrong, or undefined when the message fits the protocol.
 */
export function checkAgentMessage(raw: unknown, starting: boolean): string | undefined {
  if (!isRecord(raw)) return 'a message that is not an object';
  if (raw.v !== PROTOCOL_VERSION) return `protocol version ${describe(raw.v)}`;
  switch (raw.kind) {
    case 'ready':
      if (!starting) return "'ready' after the handshake";
      return fields(raw, { contextId: isString, memoryId: isString, types: isStringArray });
    case 'initError':
      if (!starting) return "'initError' after the handshake";
      return fields(raw, { error: isWireError });
    case 'started':
      return fields(raw, { slot: isIndex, taskId: isIndex, startedAtMs: isFiniteNumber });
    case 'result':
      if (raw.ok === true) return fields(raw, { slot: isIndex, taskId: isIndex });
      if (raw.ok === false) return fields(raw, { slot: isIndex, taskId: isIndex, error: isWireError });
      return "'result' whose ok is not a boolean";
    case 'log':
      return fields(raw, { level: isLevel, msg: isString, fields: isRecord, errors: isOptionalWireErrors });
    case 'probeReply':
      return fields(raw, { probeId: isIndex, report: isProbeReport });
    case 'submit':
      return fields(raw, { requestId: isIndex, parentTaskId: isIndex, options: isRecord, wait: isBoolean });
    case 'cancelSubtask':
      return fields(raw, { requestId: isIndex, reason: isWireError });
    default:
      return `a message of unknown kind ${describe(raw.kind)}`;
  }
}

type Check = (value: unknown) => boolean;

function fields(raw: Record<string, unknown>, checks: Record<string, Check>): string | undefined {
  for (const [name, check] of Object.entries(checks)) {
    if (!check(raw[name])) return `'${String(raw.kind)}' with a bad ${name} (${describe(raw[name])})`;
  }
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isString: Check = (v) => typeof v === 'string';
const isBoolean: Check = (v) => typeof v === 'boolean';
const isFiniteNumber: Check = (v) => typeof v === 'number' && Number.isFinite(v);
const isIndex: Check = (v) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isStringArray: Check = (v) => Array.isArray(v) && v.every((x) => typeof x === 'string');
const LEVELS = new Set(['debug', 'info', 'warn', 'error']);
const isLevel: Check = (v) => typeof v === 'string' && LEVELS.has(v);

/** The wire form of an error (see errors.ts), causes included, to a bounded depth. */
export function isWireError(value: unknown, depth = 0): boolean {
  if (!isRecord(value) || depth > 8) return false;
  return (
    typeof value.name === 'string' &&
    typeof value.message === 'string' &&
    (value.stack === undefined || typeof value.stack === 'string') &&
    isRecord(value.fields) &&
    (value.cause === undefined || isWireError(value.cause, depth + 1))
  );
}

/** A log line's errors: absent, or a record of wire errors (one bad entry refuses the line). */
const isOptionalWireErrors: Check = (v) => v === undefined || (isRecord(v) && Object.values(v).every((e) => isWireError(e)));

const isProbeReport: Check = (v) =>
  isRecord(v) &&
  isIndex(v.threadId) &&
  isString(v.contextId) &&
  isString(v.memoryId) &&
  isFiniteNumber(v.heapUsedBytes) &&
  isFiniteNumber(v.heapTotalBytes) &&
  isFiniteNumber(v.heapLimitBytes) &&
  isStringArray(v.seen) &&
  isFiniteNumber(v.payloadBytesMapped);

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 40));
  if (value === null) return 'null';
  return typeof value;
}
