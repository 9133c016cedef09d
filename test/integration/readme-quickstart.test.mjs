/**
 * The README's quick start and observability example must run exactly as
 * written: extract their files, install the package by symlink (the way a
 * dependency resolves through the `exports` map), compile the TypeScript quick
 * start with `strict`, run main.js and check what it prints.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, expect, test } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
let dir;

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Every ```js or ```ts block whose first line is `// <file name>`. */
function codeFiles(markdown) {
  const files = new Map();
  for (const match of markdown.matchAll(/```(?:js|ts)\n\/\/ ([\w.-]+)\n([\s\S]*?)```/g)) files.set(match[1], `// ${match[1]}\n${match[2]}`);
  return files;
}

/** The quick start's files (the Roles section has its own test). */
const QUICK_START = ['agent.ts', 'main.ts', 'observe.mjs'];

/** What a TypeScript user's project would have: strict, NodeNext, @types/node from this checkout. */
const TSCONFIG = {
  compilerOptions: {
    target: 'ES2023',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    noUncheckedIndexedAccess: true,
    skipLibCheck: false,
    types: ['node'],
    typeRoots: [join(repoRoot, 'node_modules/@types')],
  },
  include: ['*.ts'],
};

test('the README quick start runs as written', async () => {
  const all = codeFiles(await readFile(join(repoRoot, 'README.md'), 'utf8'));
  const files = new Map([...all].filter(([name]) => QUICK_START.includes(name)));
  expect([...files.keys()].sort()).toEqual(QUICK_START);
  dir = await mkdtemp(join(tmpdir(), 'daedalus-readme-'));
  await mkdir(join(dir, 'node_modules'));
  await symlink(repoRoot, join(dir, 'node_modules', 'daedalus-pool'), 'dir');
  for (const [name, text] of files) await writeFile(join(dir, name), text);
  await writeFile(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  await writeFile(join(dir, 'tsconfig.json'), JSON.stringify(TSCONFIG));
  const tsc = join(repoRoot, 'node_modules/typescript/bin/tsc');
  // A type error fails here with tsc's own message on stdout.
  await promisify(execFile)(process.execPath, [tsc, '-p', dir], { cwd: dir, timeout: 60_000 }).catch((error) => {
    throw new Error(`the README quick start does not compile:\n${error.stdout}`);
  });
  const { stdout } = await promisify(execFile)(process.execPath, ['main.js'], { cwd: dir, timeout: 20_000 });
  const lines = stdout.trim().split('\n');
  expect(lines[0]).toContain("echo: { hello: 'world' }");
  expect(lines[1]).toMatch(/stored: 3, byAgent: [12]/);
  expect(lines[2]).toBe('mig-42 migrated users completed');
  expect(lines[3]).toMatch(/^p99 assignment [\d.]+ ms, SLO ok: true$/);

  // The observability example beside it: per-type lines, the slowest tasks, the SLO verdict, the isolation report.
  const observed = await promisify(execFile)(process.execPath, ['observe.mjs'], { cwd: dir, timeout: 30_000 });
  const out = observed.stdout;
  expect(out).toMatch(/^general: 200 done, assignment p99 [\d.]+ ms, run p99 [\d.]+ ms$/m);
  expect(out).toMatch(/^ingest: 50 done, /m);
  expect(out).toMatch(/^migration: 4 done, /m);
  expect(out).toContain('taskId');
  expect(out).toMatch(/^SLO: assignment p99 [\d.]+ ms against 500 ms -> ok$/m);
  expect(out).toMatch(/^isolation ok: true \(payloads: shared\) probe-sees-own-canary=true .*no-cross-talk=true$/m);
});
