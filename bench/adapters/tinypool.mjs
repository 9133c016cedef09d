// tinypool behind the bench's adapter interface (see daedalus.mjs). Defaults except the thread
// count (min = max = agents) and a long idle timeout.
import { packageVersion } from '../lib/machine.mjs';

const WORKER = new URL('../agents/tinypool-agent.mjs', import.meta.url);

export async function load() {
  const { Tinypool } = await import('tinypool');
  return {
    name: 'tinypool',
    version: packageVersion('tinypool'),
    create({ agents, kind, resourceLimits }) {
      const pool = new Tinypool({ filename: WORKER.href, name: kind, minThreads: agents, maxThreads: agents, idleTimeout: 60_000, resourceLimits });
      return {
        pool,
        // tinypool has no ready(): the untimed warm-up covers thread start.
        ready: () => Promise.resolve(),
        run: (payload, transfer) => pool.run(payload, transfer === undefined ? undefined : { transferList: transfer }),
        // tinypool has no draining close; the bench only closes a pool once its tasks have settled.
        close: () => pool.destroy(),
        destroy: () => pool.destroy(),
      };
    },
  };
}
