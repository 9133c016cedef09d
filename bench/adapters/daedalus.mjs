// daedalus-pool behind the bench's adapter interface:
//   load() -> { name, version, create({ agents, kind, outstanding, resourceLimits, tuning }) }
//   create() -> { ready(), run(payload, transfer?), close(), destroy(), pool, events }
// `kind` is the handler (task type) every run uses; `tuning` holds pool options of this library
// only (e.g. idleSpinUs, hangTimeoutMs) plus `taskOptions` merged into every run, and `roles`
// (1 or 2): the same agents given as that many roles of the same module (`agents`), not `agent`.
import { packageVersion } from '../lib/machine.mjs';

const AGENT = new URL('../agents/daedalus-agent.mjs', import.meta.url);

export async function load() {
  const { CoordinationPool, PoolEvents } = await import(new URL('../../dist/src/index.js', import.meta.url).href);
  return {
    name: 'daedalus',
    version: packageVersion(),
    create({ agents, kind, outstanding = 100, resourceLimits, tuning = {} }) {
      const { taskOptions, roles, ...poolOptions } = tuning;
      const modules =
        roles === undefined
          ? { agent: AGENT, size: agents }
          : { agents: Object.fromEntries(Array.from({ length: roles }, (_, r) => [`role${r}`, { agent: AGENT, size: Math.floor(agents / roles) + (r < agents % roles ? 1 : 0) }])) };
      const pool = new CoordinationPool({
        ...modules,
        maxSize: agents,
        // The default capacity (100) would reject work the peers queue without limit.
        queueCapacity: Math.max(100, outstanding),
        resourceLimits,
        ...poolOptions,
      });
      const options = { type: kind, ...taskOptions };
      return {
        pool,
        events: PoolEvents,
        ready: () => pool.ready(),
        run: (payload, transfer) => pool.run(payload, transfer === undefined ? options : { ...options, transfer }),
        close: () => pool.close(),
        destroy: () => pool.destroy(),
      };
    },
  };
}
