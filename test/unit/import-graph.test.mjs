/**
 * The source tree has no import cycles, type-only imports included: each
 * module can be read, tested and replaced on its own. Reads the TypeScript
 * sources as text (no build needed) and follows every relative import.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function sources(dir) {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath ?? e.path, e.name));
}

function importsOf(file) {
  const text = readFileSync(file, 'utf8');
  const out = [];
  for (const m of text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g)) {
    const spec = m[1] ?? m[2];
    out.push(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
  }
  return out;
}

function findCycle(graph) {
  const state = new Map(); // 1: on the current path, 2: done
  const path = [];
  const visit = (node) => {
    if (state.get(node) === 2) return undefined;
    if (state.get(node) === 1) return [...path.slice(path.indexOf(node)), node];
    state.set(node, 1);
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(node, 2);
    return undefined;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle.map((f) => relative(root, f));
  }
  return undefined;
}

test('src/ and workers/ have no import cycle, type-only imports included', () => {
  const files = [...sources('src'), ...sources('workers')];
  const known = new Set(files);
  const graph = new Map(files.map((f) => [f, importsOf(f).filter((i) => known.has(i))]));
  expect(files.length).toBeGreaterThan(20);
  expect(findCycle(graph)).toBeUndefined();
});

test('the cycle finder finds a cycle when there is one', () => {
  const graph = new Map([
    ['/a.ts', ['/b.ts']],
    ['/b.ts', ['/c.ts']],
    ['/c.ts', ['/a.ts']],
  ]);
  expect(findCycle(graph)).toHaveLength(4);
});
