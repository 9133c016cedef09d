/**
 * The package as a consumer sees it: a project outside the repository with
 * `node_modules/daedalus-pool` pointing at this repository, an agent module
 * importing `daedalus-pool/agent` and a script importing `daedalus-pool`,
 * resolved only through package.json's exports map. The script runs in its
 * own node process and prints JSON; the test asserts on that.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, expect, test } from 'vitest';

const run = promisify(execFile);
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const AGENT_SOURCE = `
import { defineAgent } from 'daedalus-pool/agent';
export default defineAgent({
  setup(ctx) { ctx.memory.set('boot', ctx.agentId); },
  handlers: {
    general: (payload, ctx) => ({ echo: payload, agentId: ctx.agentId, attempt: ctx.attempt }),
    migration: async (payload, ctx) => { ctx.heartbeat(); return { migrated: payload.rows * 2, type: ctx.type }; },
  },
});
`;

// Calls of the public API as a consumer writes them, with default options.
const SCRIPT_SOURCE = `
import { CoordinationPool, TaskType, PoolEvents, ErrorCodes, PoolFullError, QueueFullError, InvalidOptionError } from 'daedalus-pool';

const codeOf = async (fn) => { try { await fn(); return null; } catch (e) { return e.code ?? String(e); } };
const out = {};
const pool = new CoordinationPool({ agent: new URL('./agent.mjs', import.meta.url) });
try {
  await pool.ready();
  out.agents = pool.listAgents().map((a) => ({ agentId: a.agentId, generation: a.generation, status: a.status }));
  out.capacity = pool.metrics().queue.capacity;
  out.general = await pool.run({ hello: 'world' });
  out.migration = await pool.run({ rows: 21 }, { type: TaskType.migration, priority: 2, traceId: 'consumer-trace' });
  const handle = pool.submit({ n: 1 });
  out.handle = { idType: typeof handle.id, traceIdType: typeof handle.traceId, value: await handle.result };
  out.task = pool.getTask(handle.id).status;
  out.unknownType = await codeOf(() => pool.submit({}, { type: 'nope' }));
  out.resizePastDefaultMax = await codeOf(() => pool.resize(17));
  await pool.resize(16);
  out.agentsAtMax = pool.listAgents().length;
  out.spawnAtMax = await codeOf(() => pool.spawnAgent());
  out.spawnAtMaxIsPoolFull = await pool.spawnAgent().catch((e) => e instanceof PoolFullError);
  out.isolationOk = (await pool.isolationReport()).ok;
  out.completed = pool.metrics().tasks.completed;
  out.errorCodes = ErrorCodes;
  out.taskTypes = Object.keys(TaskType).sort();
  out.taskTypeFrozen = Object.isFrozen(TaskType);
  out.events = [PoolEvents.taskCompleted, PoolEvents.agentReady];
  out.classes = [typeof QueueFullError, typeof InvalidOptionError];
  out.badOption = await codeOf(() => new CoordinationPool({ agent: new URL('./agent.mjs', import.meta.url), size: 0 }));
  out.deepImport = await codeOf(() => import('daedalus-pool/dist/src/pool.js'));
  out.agentEntryResolves = typeof (await import('daedalus-pool/agent')).defineAgent;
} finally {
  await pool.close();
}
out.afterClose = await codeOf(() => pool.submit({}));
process.stdout.write(JSON.stringify(out));
`;

let dir;
afterEach(async () => {
  if (dir === undefined) return;
  // Remove the link first so nothing can follow it into the repository.
  await unlink(join(dir, 'node_modules', 'daedalus-pool')).catch(() => {});
  await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

test('an outside project consumes daedalus-pool and daedalus-pool/agent through the exports map', async () => {
  dir = await mkdtemp(join(tmpdir(), 'daedalus-consumer-'));
  await mkdir(join(dir, 'node_modules'));
  await symlink(REPO_ROOT, join(dir, 'node_modules', 'daedalus-pool'), 'dir');
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  await writeFile(join(dir, 'agent.mjs'), AGENT_SOURCE);
  await writeFile(join(dir, 'main.mjs'), SCRIPT_SOURCE);

  const { stdout } = await run(process.execPath, ['main.mjs'], { cwd: dir, timeout: 25_000 });
  const out = JSON.parse(stdout);

  expect(out.agents).toEqual([1, 2, 3, 4].map((agentId) => ({ agentId, generation: 1, status: 'idle' })));
  expect(out.capacity).toBe(100);
  expect(out.general).toMatchObject({ echo: { hello: 'world' }, attempt: 1 });
  expect(out.migration).toEqual({ migrated: 42, type: 'migration' });
  expect(out.handle).toMatchObject({ idType: 'number', traceIdType: 'string', value: { echo: { n: 1 } } });
  expect(out.task).toBe('completed');
  expect(out.unknownType).toBe('ERR_UNKNOWN_TASK_TYPE');
  expect(out.resizePastDefaultMax).toBe('ERR_INVALID_OPTION');
  expect(out.agentsAtMax).toBe(16);
  expect(out.spawnAtMax).toBe('ERR_POOL_FULL');
  expect(out.spawnAtMaxIsPoolFull).toBe(true);
  expect(out.isolationOk).toBe(true);
  expect(out.completed).toBe(3);
  expect(out.errorCodes).toMatchObject({
    QUEUE_FULL: 'ERR_QUEUE_FULL',
    POOL_FULL: 'ERR_POOL_FULL',
    POOL_CLOSED: 'ERR_POOL_CLOSED',
    TASK_FAILED: 'ERR_TASK_FAILED',
    AGENT_CRASHED: 'ERR_AGENT_CRASHED',
    AGENT_HUNG: 'ERR_AGENT_HUNG',
    TASK_TIMEOUT: 'ERR_TASK_TIMEOUT',
    UNKNOWN_TASK_TYPE: 'ERR_UNKNOWN_TASK_TYPE',
    ABORTED: 'ERR_ABORTED',
    INVALID_OPTION: 'ERR_INVALID_OPTION',
  });
  expect(out.taskTypes).toEqual(['discovery', 'general', 'heartbeat', 'ingest', 'migration', 'research']);
  expect(out.taskTypeFrozen).toBe(true);
  expect(out.events).toEqual(['taskCompleted', 'agentReady']);
  expect(out.classes).toEqual(['function', 'function']);
  expect(out.badOption).toBe('ERR_INVALID_OPTION');
  expect(out.deepImport).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
  expect(out.agentEntryResolves).toBe('function');
  expect(out.afterClose).toBe('ERR_POOL_CLOSED');
});
