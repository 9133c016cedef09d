// poolifier behind the bench's adapter interface (see daedalus.mjs): a FixedThreadPool of
// `agents` threads with default options.
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { packageVersion } from '../lib/machine.mjs';

const WORKER = fileURLToPath(new URL('../agents/poolifier-agent.mjs', import.meta.url));
/** How long destroy() may lag behind the exit of the pool's last thread before the bench stops waiting. */
const DESTROY_GRACE_MS = 200;

export async function load() {
  const { FixedThreadPool } = await import('poolifier');
  const anomalies = { destroyNeverSettled: 0, pools: 0 };
  return {
    name: 'poolifier',
    version: packageVersion('poolifier'),
    anomalies: () =>
      anomalies.destroyNeverSettled === 0
        ? []
        : [`destroy() had not settled ${DESTROY_GRACE_MS} ms after every thread of the pool exited in ${anomalies.destroyNeverSettled} of ${anomalies.pools} pools; the bench counts a pool closed once its threads are gone`],
    create({ agents, kind, resourceLimits }) {
      const pool = new FixedThreadPool(agents, WORKER, {
        workerOptions: resourceLimits === undefined ? undefined : { resourceLimits },
        errorHandler: () => {},
      });
      anomalies.pools++;
      // Unheard, an 'error' event on the pool's emitter would end the process.
      pool.emitter?.on('error', () => {});
      /**
       * Closed means the threads are gone. poolifier 5.3.2's destroy() sometimes never settles
       * although every thread has exited (seen here in about 1 of 5 pools); waiting for it
       * would stall the run, so the threads' exits decide and the lag is counted.
       */
      const close = async () => {
        const exits = pool.workerNodes.map((node) => once(node.worker, 'exit').catch(() => {}));
        const destroyed = pool.destroy().then(() => true);
        await Promise.race([destroyed, Promise.all(exits).then(() => false)]);
        let timer;
        const settled = await Promise.race([destroyed, new Promise((resolve) => (timer = setTimeout(resolve, DESTROY_GRACE_MS, false)))]);
        clearTimeout(timer);
        if (!settled) anomalies.destroyNeverSettled++;
      };
      return {
        pool,
        ready: async () => {
          if (!pool.info.ready) await once(pool.emitter, 'ready');
        },
        run: (payload, transfer) => pool.execute(payload, kind, undefined, transfer),
        close,
        destroy: close,
      };
    },
  };
}
