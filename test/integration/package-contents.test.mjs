/**
 * What `npm publish` would ship: the license, the README, the built code and
 * the dashboard's files (served by daedalus serve, no build step), nothing else; source maps that carry their sources (the .ts files are not
 * shipped); and a README whose links all lead somewhere in the repository.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

async function packedFiles() {
  // --ignore-scripts: prepack would rebuild dist/ under the other test files' feet.
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const { stdout } = await promisify(execFile)(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, timeout: 60_000 });
  return JSON.parse(stdout)[0].files.map((f) => f.path);
}

test('the package ships the license, the README, built code and the dashboard only, with source maps that carry their sources', async () => {
  const files = await packedFiles();
  const dashboard = ['dashboard/index.html', 'dashboard/dashboard.js', 'dashboard/dashboard.css'];
  for (const required of ['LICENSE', 'README.md', 'package.json', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/workers/agent.js', 'dist/workers/agent.d.ts', 'dist/src/cli/main.js', 'dist/src/serve/index.js', ...dashboard]) {
    expect(files).toContain(required);
  }
  expect(files.filter((f) => !f.startsWith('dist/') && !['LICENSE', 'README.md', 'package.json', ...dashboard].includes(f))).toEqual([]);
  const maps = files.filter((f) => f.endsWith('.js.map'));
  expect(maps.length).toBeGreaterThan(20);
  for (const file of maps) {
    const map = JSON.parse(readFileSync(join(root, file), 'utf8'));
    expect(map.sourcesContent?.length, file).toBe(map.sources.length);
    for (const content of map.sourcesContent) expect(typeof content, file).toBe('string');
  }
});

test('package.json names the license and keywords, and the LICENSE file is the MIT text', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  expect(pkg.license).toBe('MIT');
  expect(pkg.keywords.length).toBeGreaterThan(3);
  expect(readFileSync(join(root, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n/);
});

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
function slug(heading) {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-');
}

test('every link in the README leads to a file of the repository or a heading of the README', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const withoutCode = readme.replace(/```[\s\S]*?```/g, '');
  const anchors = new Set([...withoutCode.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1])));
  const links = [...withoutCode.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]);
  expect(links.length).toBeGreaterThan(0);
  for (const link of links) {
    if (/^https?:/.test(link)) continue;
    if (link.startsWith('#')) {
      expect(anchors.has(link.slice(1)), `README link ${link}`).toBe(true);
      continue;
    }
    expect(existsSync(join(root, link.split('#')[0])), `README link ${link}`).toBe(true);
  }
});
