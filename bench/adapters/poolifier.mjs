// poolifier behind the bench's adapter interface (see daedalus.mjs): a FixedThreadPool of
// `agents` threads with default options.
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { packageVersion } from '../lib/machine.mjs';

const WORKER = fileURLToPath(new URL('../agents/poolifier-agent.mjs', import.meta.url));

export async function load() {
  const { FixedThreadPool } = await import('poolifier');
  return {
    name: 'poolifier',
    version: packageVersion('poolifier'),
    create({ agents, kind, resourceLimits }) {
      const pool = new FixedThreadPool(agents, WORKER, {
        workerOptions: resourceLimits === undefined ? undefined : { resourceLimits },
        errorHandler: () => {},
      });
      // Unheard, an 'error' event on the pool's emitter would end the process.
      pool.emitter?.on('error', () => {});
      return {
        pool,
        ready: async () => {
          if (!pool.info.ready) await once(pool.emitter, 'ready');
        },
        run: (payload, transfer) => pool.execute(payload, kind, undefined, transfer),
        close: () => pool.destroy(),
        destroy: () => pool.destroy(),
      };
    },
  };
}
