// piscina behind the bench's adapter interface (see daedalus.mjs). Defaults except the thread
// count (min = max = agents) and an idle timeout long enough that no thread retires mid-run.
import { packageVersion } from '../lib/machine.mjs';

const WORKER = new URL('../agents/piscina-agent.mjs', import.meta.url);

export async function load() {
  const { Piscina } = await import('piscina');
  return {
    name: 'piscina',
    version: packageVersion('piscina'),
    create({ agents, kind, resourceLimits }) {
      const pool = new Piscina({ filename: WORKER.href, name: kind, minThreads: agents, maxThreads: agents, idleTimeout: 60_000, resourceLimits });
      // Unheard, an 'error' event (a worker failing outside a task) would end the process.
      pool.on('error', () => {});
      return {
        pool,
        // piscina has no ready(): the untimed warm-up before every measurement covers thread start.
        ready: () => Promise.resolve(),
        run: (payload, transfer) => pool.run(payload, transfer === undefined ? undefined : { transferList: transfer }),
        close: () => pool.close(),
        destroy: () => pool.destroy(),
      };
    },
  };
}
