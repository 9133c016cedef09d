// What the figures were measured on: stamped into every results file.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import os from 'node:os';

const ROOT = new URL('../../', import.meta.url);

export function packageVersion(name) {
  try {
    const path = name === undefined ? 'package.json' : `node_modules/${name}/package.json`;
    return JSON.parse(readFileSync(new URL(path, ROOT), 'utf8')).version;
  } catch {
    return undefined;
  }
}

/** The CLI's machine stamp (one definition for gate reports and bench results), plus our version. */
export async function machineStamp() {
  const { machineStamp: stamp } = await import(new URL('../../dist/src/cli/machine.js', import.meta.url).href);
  return { ...stamp(fileURLToPath(ROOT)), daedalusVersion: packageVersion() ?? null };
}

export function loadAverage1m() {
  return os.loadavg()[0];
}
