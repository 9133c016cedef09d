/**
 * The isolation report tells the truth about task payloads. Every agent maps
 * the shared slot memory, so by default one task can read another task's
 * inline payload there; isolationReport() says `ok: true` without a word about
 * it. Expected:
 * - the report has `payloads: 'shared'` by default, and a check named
 *   'payloads-private' that is not ok;
 * - with the pool option `payloadIsolation: 'private'` the report has
 *   `payloads: 'private'` with 'payloads-private' ok, and a task scanning every
 *   shared buffer its agent can reach finds no other task's payload.
 * The marker is handed to the scanning task reversed, so its own payload does
 * not contain it.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { poolTest } from '../fixtures/use-pool.mjs';
import { withTimeout } from '../helpers.mjs';
import { createSignals } from './fixtures/signals.mjs';

const AGENT = new URL('./fixtures/settlement-agent.mjs', import.meta.url);
const BOUND_MS = 10_000;

/** Task A holds a secret marker in its (inline) payload and runs behind a gate; task B, on the other agent, scans for it. Returns the pool and the scan. */
async function scanForAnotherTasksPayload(usePool, options) {
  const signals = createSignals(4);
  const pool = await usePool({ agent: AGENT, size: 2, workerData: { signals: signals.sab }, ...options });
  const marker = `secret-${randomUUID()}`;
  const holder = pool.run({ op: 'gate', key: 0, value: marker });
  await signals.waitStarted(0);
  const scan = await withTimeout(pool.run({ op: 'scanShared', key: 1, reversedNeedle: [...marker].reverse().join('') }), BOUND_MS, 'the scanning task');
  expect(scan.agentId).not.toBe(signals.agentOf(0));
  expect(scan.buffersScanned).toBeGreaterThan(0);
  signals.openGate(0);
  expect((await withTimeout(holder, BOUND_MS, 'the marker task')).value).toBe(marker);
  return { pool, scan };
}

const checkNamed = (report, name) => report.checks.find((c) => c.name === name);

poolTest("default: another task's payload is readable in shared memory, and the report says payloads are shared", async ({ usePool }) => {
  const { pool, scan } = await scanForAnotherTasksPayload(usePool, {});
  expect(scan.found).toBe(true);
  const report = await pool.isolationReport();
  expect(report.payloads).toBe('shared');
  const check = checkNamed(report, 'payloads-private');
  expect(check, `checks: ${report.checks.map((c) => c.name).join(', ')}`).toBeDefined();
  expect(check.ok).toBe(false);
});

poolTest("payloadIsolation 'private': no task can find another task's payload, and the report says so", async ({ usePool }) => {
  const { pool, scan } = await scanForAnotherTasksPayload(usePool, { payloadIsolation: 'private' });
  const report = await pool.isolationReport();
  expect({ found: scan.found, payloads: report.payloads, check: checkNamed(report, 'payloads-private')?.ok }).toEqual({ found: false, payloads: 'private', check: true });
  expect(report.ok).toBe(true);
});
