/**
 * The HTTP API's contract, with real fetch against a real server on
 * 127.0.0.1: every route, its error answers (400, 401, 404, 413, 429 with
 * Retry-After, 503 while draining) and the OpenAPI document. The fault agent's
 * gates (test-owned Atomics words) hold tasks running where a test needs it.
 */
import { afterEach, expect, test } from 'vitest';
import { serve } from '../../dist/src/serve/index.js';
import { FAULT_AGENT, createCounters } from '../helpers.mjs';

const servers = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop(true);
});

async function start(pool = {}, extra = {}) {
  const counters = createCounters();
  const server = await serve({ pool: { agent: FAULT_AGENT, size: 2, workerData: { counters: counters.sab }, ...pool }, port: 0, version: 'test', ...extra });
  servers.push(server);
  const call = async (method, path, body, headers = {}) => {
    const response = await fetch(new URL(path, server.url), {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, json, text };
  };
  return { server, counters, call };
}

test('POST /tasks accepts a task (202) and GET /tasks/{id} shows it settled with its result', async () => {
  const { server, call } = await start();
  const accepted = await call('POST', '/tasks', { payload: { op: 'echo', value: 42 }, traceId: 'http-1', priority: 2 });
  expect(accepted.status).toBe(202);
  expect(accepted.json).toEqual({ id: expect.any(Number), traceId: 'http-1' });
  await server.pool.onIdle();
  const got = await call('GET', `/tasks/${accepted.json.id}`);
  expect(got.status).toBe(200);
  expect(got.json).toMatchObject({ id: accepted.json.id, traceId: 'http-1', status: 'completed', priority: 2, result: { value: 42 } });
  const failed = await call('POST', '/tasks', { payload: { op: 'throw', message: 'boom' } });
  await server.pool.onIdle();
  expect((await call('GET', `/tasks/${failed.json.id}`)).json).toMatchObject({ status: 'failed', error: { code: 'ERR_TASK_FAILED', cause: { message: 'boom' } } });
});

test('bad input is a 400 whose coded body names the field; unknown ids and routes are 404', async () => {
  const { call } = await start();
  const priority = await call('POST', '/tasks', { payload: 1, priority: 99 });
  expect(priority.status).toBe(400);
  expect(priority.json).toMatchObject({ code: 'ERR_INVALID_OPTION', field: 'body.priority' });
  const extra = await call('POST', '/tasks', { payload: 1, agent: '/etc/passwd' });
  expect(extra.json).toMatchObject({ code: 'ERR_INVALID_OPTION', field: 'body.agent' });
  const type = await call('POST', '/tasks', { payload: 1, type: 'noSuchType' });
  expect(type.status).toBe(400);
  expect(type.json.code).toBe('ERR_UNKNOWN_TASK_TYPE');
  const caps = await call('POST', '/tasks', { payload: 1, capabilities: ['gpu'] });
  expect([caps.status, caps.json.code]).toEqual([400, 'ERR_UNMET_CAPABILITY']);
  expect((await call('POST', '/tasks', '{"payload":')).status).toBe(400);
  expect((await call('GET', '/tasks/999999')).json).toMatchObject({ code: 'ERR_NOT_FOUND' });
  expect((await call('GET', '/tasks/abc')).json).toMatchObject({ code: 'ERR_INVALID_OPTION', field: 'params.id' });
  expect((await call('GET', '/nowhere')).status).toBe(404);
});

test('a full queue answers 429 with Retry-After, and nothing accepted is lost', async () => {
  const { server, counters, call } = await start({ size: 1, queueCapacity: 1 });
  const running = await call('POST', '/tasks', { payload: { op: 'echo', gate: 0, key: 0 } });
  await counters.waitForStarted(0);
  const queued = await call('POST', '/tasks', { payload: { op: 'echo', value: 'queued' } });
  expect(queued.status).toBe(202);
  const refused = await call('POST', '/tasks', { payload: { op: 'echo' } });
  expect(refused.status).toBe(429);
  expect(refused.json.code).toBe('ERR_QUEUE_FULL');
  expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  counters.openGate(0);
  await server.pool.onIdle();
  for (const id of [running.json.id, queued.json.id]) expect((await call('GET', `/tasks/${id}`)).json.status).toBe('completed');
});

test('POST /tasks/{id}/cancel aborts a pending task; a settled one is a 409', async () => {
  const { server, counters, call } = await start();
  const held = await call('POST', '/tasks', { payload: { op: 'echo', gate: 1, key: 1 } });
  await counters.waitForStarted(1);
  expect((await call('POST', `/tasks/${held.json.id}/cancel`)).status).toBe(202);
  await server.pool.onIdle();
  expect((await call('GET', `/tasks/${held.json.id}`)).json).toMatchObject({ status: 'cancelled', error: { code: 'ERR_ABORTED' } });
  expect((await call('POST', `/tasks/${held.json.id}/cancel`)).status).toBe(409);
  counters.openGate(1);
});

test('with a token every route but /health needs it (401); bodies past the limit are 413', async () => {
  const { call } = await start({}, { token: 's3cret', bodyLimit: 1_024 });
  expect((await call('GET', '/health')).status).toBe(200);
  const denied = await call('GET', '/status');
  expect([denied.status, denied.json.code]).toEqual([401, 'ERR_UNAUTHORIZED']);
  expect((await call('GET', '/status', undefined, { authorization: 'Bearer wrong' })).status).toBe(401);
  expect((await call('GET', '/status', undefined, { authorization: 'Bearer s3cret' })).status).toBe(200);
  const big = await call('POST', '/tasks', { payload: 'x'.repeat(2_000) }, { authorization: 'Bearer s3cret' });
  expect([big.status, big.json.code]).toEqual([413, 'ERR_BODY_TOO_LARGE']);
});

test('a server bound to a non-loopback address refuses to start without a token', async () => {
  await expect(serve({ pool: { agent: FAULT_AGENT, size: 1 }, host: '0.0.0.0', port: 0, version: 'test' })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION', option: 'token' });
});

test('agents and the pool: list, available, spawn (429 past maxSize), fail, resize', async () => {
  const { server, call } = await start({ size: 1, maxSize: 2 });
  const agents = await call('GET', '/agents');
  expect(agents.json).toHaveLength(1);
  expect(agents.json[0]).toMatchObject({ agentId: 1, role: 'default', status: 'idle' });
  expect((await call('GET', '/agents/available?capability=general')).json).toHaveLength(1);
  expect((await call('GET', '/agents/available?capability=gpu')).json).toHaveLength(0);
  const spawned = await call('POST', '/agents', {});
  expect([spawned.status, spawned.json.role]).toEqual([201, 'default']);
  const full = await call('POST', '/agents', {});
  expect([full.status, full.json.code]).toEqual([429, 'ERR_POOL_FULL']);
  const restarted = new Promise((resolve) => server.pool.once('agentRestarted', resolve));
  expect((await call('POST', '/agents/1/fail', { reason: 'test' })).status).toBe(202);
  await restarted;
  expect((await call('POST', '/agents/99/fail')).status).toBe(404);
  const resized = await call('POST', '/pool/initialize', { size: 1 });
  expect([resized.status, resized.json.agents.length]).toEqual([200, 1]);
  expect((await call('POST', '/pool/initialize', { size: 0 })).json).toMatchObject({ field: 'body.size' });
});

test('metrics as JSON and Prometheus, bottlenecks, isolation report, events, status, OpenAPI', async () => {
  const { server, call } = await start();
  for (let i = 0; i < 3; i++) await call('POST', '/tasks', { payload: { op: 'echo', value: i } });
  await server.pool.onIdle();
  const metrics = await call('GET', '/metrics');
  expect(metrics.json.tasks.completed).toBe(3);
  expect(metrics.json.byRole.default.agents.total).toBe(2);
  const prom = await call('GET', '/metrics', undefined, { accept: 'text/plain' });
  expect(prom.headers.get('content-type')).toMatch(/^text\/plain/);
  expect(prom.text).toMatch(/^daedalus_tasks_total\{type="general",agent="\d+",role="default",outcome="completed"\} \d+$/m);
  expect(prom.text).toMatch(/^daedalus_agents\{role="default",status="idle"\} 2$/m);
  expect(prom.text).toMatch(/^daedalus_spill_bytes_in_use 0$/m);
  expect(metrics.json.sharedMemory.spill).toMatchObject({ bytesInUse: 0, chunksInUse: 0 });
  expect((await call('GET', '/metrics/prometheus')).text).toContain('daedalus_assignment_latency_seconds_bucket');
  expect((await call('GET', '/bottlenecks?limit=2')).json.slowest).toHaveLength(2);
  expect((await call('GET', '/isolation-report')).json).toMatchObject({ ok: true });
  const events = await call('GET', '/events?limit=5');
  expect(events.json.length).toBeGreaterThan(0);
  expect(events.json[0]).toMatchObject({ seq: expect.any(Number), event: expect.any(String) });
  expect((await call('GET', '/status')).json).toMatchObject({ state: 'running', version: 'test', agents: { total: 2 }, tasks: { completed: 3 } });
  const openapi = await call('GET', '/openapi.json');
  expect(openapi.json.openapi).toMatch(/^3\./);
  for (const path of ['/tasks', '/tasks/{id}', '/tasks/{id}/cancel', '/agents', '/agents/available', '/agents/{id}/fail', '/pool/initialize', '/pool', '/metrics', '/metrics/prometheus', '/bottlenecks', '/isolation-report', '/events', '/events/stream', '/health', '/status']) {
    expect(openapi.json.paths, path).toHaveProperty([path]);
  }
  expect(openapi.json.paths['/tasks'].post.requestBody.content['application/json'].schema.properties.priority).toMatchObject({ type: 'integer', maximum: 10 });
});

test('GET /events/stream sends each event as it happens', async () => {
  const { call, server } = await start();
  const response = await fetch(new URL('/events/stream', server.url));
  expect(response.headers.get('content-type')).toBe('text/event-stream');
  const reader = response.body.getReader();
  const accepted = await call('POST', '/tasks', { payload: { op: 'echo' } });
  let text = '';
  const decoder = new TextDecoder();
  while (!new RegExp(`event: taskCompleted\\ndata: .*"taskId":${accepted.json.id}[,}]`).test(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`stream ended before taskCompleted: ${text}`);
    text += decoder.decode(value);
  }
  expect(text).toMatch(/event: taskQueued\n/);
  await reader.cancel();
});

test('a drain refuses new tasks with 503, finishes accepted ones, and reports none cancelled', async () => {
  const { server, counters, call } = await start({ size: 1 });
  const running = await call('POST', '/tasks', { payload: { op: 'echo', gate: 2, key: 2 } });
  await counters.waitForStarted(2);
  const stopping = server.stop();
  const refused = await call('POST', '/tasks', { payload: { op: 'echo' } });
  expect([refused.status, refused.json.code]).toEqual([503, 'ERR_DRAINING']);
  // Still answering while it drains: the accepted task is visible.
  expect((await call('GET', `/tasks/${running.json.id}`)).json.status).toBe('running');
  counters.openGate(2);
  await expect(stopping).resolves.toEqual({ forced: false, cancelled: 0 });
});
