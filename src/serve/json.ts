import { errorJson } from './http-errors.js';

/** JSON for HTTP answers: Error values (in events, snapshots) in the same coded form as a task's error, which JSON.stringify would empty. */
export function toJsonSafe(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_key, v: unknown) => (v instanceof Error ? errorJson(v) : typeof v === 'bigint' ? v.toString() : v)) ?? 'null') as unknown;
}
