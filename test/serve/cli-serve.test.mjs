/**
 * `daedalus serve` as a child process: every CLI view against it, then
 * SIGTERM with tasks in flight, after which every accepted task is found
 * completed (the drain let them finish) and the last line says none was cancelled.
 */
import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, expect, test } from 'vitest';
import { serve } from '../../dist/src/serve/index.js';
import { FAULT_AGENT } from '../helpers.mjs';

const MAIN = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
const run = (args) => promisify(execFile)(process.execPath, [MAIN, ...args], { timeout: 30_000 });
const children = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

/** Starts the server; resolves with its URL once it says it listens, and a promise of its whole output and exit code. */
function startServer(args) {
  const child = spawn(process.execPath, [MAIN, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve({ code, out, err })));
  const url = new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('exit', () => reject(new Error(`serve exited before listening: ${out}${err}`)));
  });
  return { child, url, exited };
}

test('every CLI view reads a running server; SIGTERM drains the tasks in flight and reports none cancelled', async () => {
  const server = startServer(['--agent', fileURLToPath(FAULT_AGENT), '--size', '2', '--port', '0']);
  const url = await server.url;
  const ids = [];
  for (let i = 0; i < 4; i++) {
    const response = await fetch(`${url}/tasks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ payload: { op: 'echo', value: i } }) });
    ids.push((await response.json()).id);
  }
  const status = await run(['status', '--url', url]);
  expect(status.stdout).toMatch(/^state\s+agents\s+idle\s+busy/m);
  expect(status.stdout).toMatch(/^running\s+2\s/m);
  expect((await run(['agents', '--url', url])).stdout).toMatch(/^1\s+default\s+(idle|busy)/m);
  expect((await run(['queue', '--url', url])).stdout).toMatch(/^depth\s+held\s+capacity/m);
  expect((await run(['bottlenecks', '--url', url, '--limit', '2'])).stdout).toMatch(/^task\s+type\s+agent\s+run ms/m);
  expect((await run(['metrics', '--url', url])).stdout).toMatch(/^all\s+\d+/m);
  expect((await run(['metrics', '--url', url, '--agent', '1'])).stdout).toMatch(/^agent 1\s+\d+/m);
  const events = await run(['events', '--url', url, '--tail', '100']);
  expect(events.stdout).toMatch(/agentReady/);
  expect(JSON.parse((await run(['agents', '--url', url, '--json'])).stdout)).toHaveLength(2);

  // Tasks in flight (each sleeps a while in its handler), then SIGTERM.
  const slow = [];
  for (let i = 0; i < 4; i++) {
    const response = await fetch(`${url}/tasks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ payload: { op: 'sleep', ms: 300 } }) });
    slow.push((await response.json()).id);
  }
  server.child.kill('SIGTERM');
  const settled = [];
  // The server still answers during the drain: each accepted task ends completed.
  for (const id of [...ids, ...slow]) {
    for (;;) {
      const response = await fetch(`${url}/tasks/${id}`).catch(() => undefined);
      if (response === undefined) break; // stopped: every task had settled first (the drain waits for them)
      const task = await response.json();
      if (task.status === 'completed' || task.status === 'failed' || task.status === 'cancelled') {
        settled.push(task.status);
        break;
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  const { code, out } = await server.exited;
  expect(code).toBe(0);
  expect(out).toMatch(/SIGTERM: draining/);
  expect(out).toMatch(/stopped: 0 accepted task\(s\) cancelled/);
  expect(settled.length).toBeGreaterThan(0);
  expect(settled.every((s) => s === 'completed')).toBe(true);
});

test('a view of a server that is not there exits 2 saying where it looked', async () => {
  const error = await run(['status', '--url', 'http://127.0.0.1:9']).catch((e) => e);
  expect(error.code).toBe(2);
  expect(error.stderr).toMatch(/cannot reach a daedalus server at http:\/\/127\.0\.0\.1:9/);
});

test('serve needs --agent or --config, and refuses a non-loopback host without a token', async () => {
  expect(await run(['serve']).catch((e) => e.code)).toBe(2);
  const open = await run(['serve', '--agent', fileURLToPath(FAULT_AGENT), '--host', '0.0.0.0', '--port', '0']).catch((e) => e);
  expect(open.code).not.toBe(0);
  expect(open.stderr).toMatch(/token/);
});

test('events --follow prints the recent events, then each new one as it happens', async () => {
  const server = await serve({ pool: { agent: FAULT_AGENT, size: 1 }, port: 0, version: 'test' });
  try {
    const child = spawn(process.execPath, [MAIN, 'events', '--follow', '--url', server.url], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    let seen;
    const waitFor = (re) => new Promise((resolve) => {
      seen = () => re.test(out) && resolve();
      seen();
    });
    child.stdout.on('data', (chunk) => {
      out += chunk;
      seen?.();
    });
    await waitFor(/^at\s+event\s+task/m);
    const id = server.pool.submit({ op: 'echo' }).id;
    await waitFor(new RegExp(`taskCompleted\\s+${id}\\s`));
    expect(out).toMatch(new RegExp(`taskQueued\\s+${id}\\s`));
    child.kill('SIGTERM');
  } finally {
    await server.stop(true);
  }
});
