// workerpool behind the bench's adapter interface (see daedalus.mjs): worker_threads
// (workerType 'thread'), min = max = agents, otherwise defaults.
import { fileURLToPath } from 'node:url';
import { packageVersion } from '../lib/machine.mjs';

const WORKER = fileURLToPath(new URL('../agents/workerpool-agent.mjs', import.meta.url));

export async function load() {
  const { default: workerpool } = await import('workerpool');
  return {
    name: 'workerpool',
    version: packageVersion('workerpool'),
    create({ agents, kind, resourceLimits }) {
      const pool = workerpool.pool(WORKER, {
        minWorkers: agents,
        maxWorkers: agents,
        workerType: 'thread',
        workerThreadOpts: resourceLimits === undefined ? undefined : { resourceLimits },
      });
      return {
        pool,
        // workerpool has no ready(): the untimed warm-up covers thread start.
        ready: () => Promise.resolve(),
        run: (payload, transfer) => pool.exec(kind, [payload], transfer === undefined ? undefined : { transfer }),
        close: () => pool.terminate(),
        destroy: () => pool.terminate(true),
      };
    },
  };
}
