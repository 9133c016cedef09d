/**
 * The README's Roles example must run exactly as written: extract its three
 * files, install the package by symlink (as a dependency resolves through the
 * `exports` map), run team.mjs and check what it prints.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, expect, test } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const FILES = ['architect.mjs', 'developer.mjs', 'team.mjs'];
let dir;

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('the README roles example runs as written', async () => {
  const markdown = await readFile(join(repoRoot, 'README.md'), 'utf8');
  const files = new Map();
  for (const match of markdown.matchAll(/```js\n\/\/ ([\w.-]+)\n([\s\S]*?)```/g)) if (FILES.includes(match[1])) files.set(match[1], match[2]);
  expect([...files.keys()].sort()).toEqual(FILES);
  dir = await mkdtemp(join(tmpdir(), 'daedalus-roles-'));
  await mkdir(join(dir, 'node_modules'));
  await symlink(repoRoot, join(dir, 'node_modules', 'daedalus-pool'), 'dir');
  for (const [name, text] of files) await writeFile(join(dir, name), text);
  await writeFile(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  const { stdout } = await promisify(execFile)(process.execPath, ['team.mjs'], { cwd: dir, timeout: 30_000 });
  expect(stdout.trim().split('\n')).toEqual([
    'search planned on the architect: api@developer, storage@developer, tests@developer (feat-search)',
    'ERR_UNMET_CAPABILITY',
    'architect: 1 agents, 1 done; developer: 2 agents, 3 done',
  ]);
});
