// The libraries the bench compares, in table order. A peer that cannot be loaded (not installed,
// or broken) is skipped with a note; daedalus-pool itself must load or the bench stops.
import { describeError } from '../lib/guard.mjs';

const MODULES = {
  daedalus: () => import('./daedalus.mjs'),
  piscina: () => import('./piscina.mjs'),
  tinypool: () => import('./tinypool.mjs'),
  workerpool: () => import('./workerpool.mjs'),
  poolifier: () => import('./poolifier.mjs'),
};

export const OURS = 'daedalus';

export const LIBRARIES = Object.freeze(Object.keys(MODULES));

/**
 * Resolves to { adapters: Map(name -> adapter), skipped: [{ name, reason }] }. `only` (names)
 * limits the peers; daedalus is always loaded.
 */
export async function loadAdapters(only) {
  const adapters = new Map();
  const skipped = [];
  for (const [name, importer] of Object.entries(MODULES)) {
    if (only !== undefined && name !== OURS && !only.includes(name)) continue;
    try {
      adapters.set(name, await (await importer()).load());
    } catch (err) {
      if (name === OURS) {
        const error = new Error(`cannot load daedalus-pool from dist/ (${err.code ?? err.message}); run \`npm run build\` first`, { cause: err });
        error.code = 'ERR_BENCH_NO_BUILD';
        throw error;
      }
      const e = describeError(err);
      skipped.push({ name, reason: e.code === 'ERR_MODULE_NOT_FOUND' ? 'not installed' : `failed to load: ${e.code ?? e.name}: ${e.message}` });
    }
  }
  return { adapters, skipped };
}
