/**
 * The README's "Scaling out" example runs as written against a real
 * redis-server: its three files are extracted, the package is installed by
 * symlink, consumer.mjs runs in one process and producer.mjs in another.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, expect, test } from 'vitest';
import { startRedis } from './redis-server.mjs';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const FILES = ['consumer.mjs', 'producer.mjs', 'report-agent.mjs'];
const cleanups = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

test('the README scaling-out example runs as written: a producer process and a consumer process through Redis', async () => {
  const redis = await startRedis();
  cleanups.push(() => redis.stop());
  const markdown = await readFile(join(repoRoot, 'README.md'), 'utf8');
  const files = new Map();
  for (const match of markdown.matchAll(/```js\n\/\/ ([\w.-]+)\n([\s\S]*?)```/g)) if (FILES.includes(match[1])) files.set(match[1], match[2]);
  expect([...files.keys()].sort()).toEqual(FILES);
  const dir = await mkdtemp(join(tmpdir(), 'daedalus-scale-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'node_modules'));
  await symlink(repoRoot, join(dir, 'node_modules', 'daedalus-pool'), 'dir');
  for (const [name, text] of files) await writeFile(join(dir, name), text);
  await writeFile(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  const env = { ...process.env, REDIS_URL: redis.url };
  const consumer = spawn(process.execPath, ['consumer.mjs'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => consumer.once('exit', resolve));
  cleanups.push(async () => {
    if (consumer.exitCode === null) consumer.kill('SIGKILL');
    await exited;
  });
  await new Promise((resolve, reject) => {
    consumer.stdout.on('data', (chunk) => String(chunk).includes('consuming') && resolve());
    consumer.once('exit', (code) => reject(new Error(`consumer.mjs exited with ${code}`)));
  });
  const { stdout } = await promisify(execFile)(process.execPath, ['producer.mjs'], { cwd: dir, env, timeout: 30_000 });
  expect(stdout.trim()).toBe('[ { n: 1, squared: 1 }, { n: 2, squared: 4 }, { n: 3, squared: 9 } ]');
  consumer.kill('SIGTERM');
  await exited;
}, 60_000);
