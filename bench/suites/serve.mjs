// The HTTP API under load (daedalus only: no peer pool has one). autocannon drives a real
// `serve()` on 127.0.0.1 from this process: POST /tasks with a no-op task, then GET /status,
// each for a fixed time at a fixed number of connections. Reports requests/s and latency
// p50/p95/p99 (ms), and for the submissions how many were accepted (202) and refused for a
// full queue (429); every accepted task must then complete (checked, not assumed).
import autocannon from 'autocannon';
import { contenders, figure } from '../lib/rounds.mjs';

const SUITE = 'serve';
const AGENT = new URL('../agents/daedalus-agent.mjs', import.meta.url);

function load(url, { path, method = 'GET', body, connections, seconds }) {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      { url: `${url}${path}`, method, connections, duration: seconds, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    instance.on('error', reject);
  });
}

export function plan(ctx) {
  const agents = ctx.agents ?? 2;
  const seconds = ctx.quick ? 2 : 10;
  const connections = 50;
  return [
    {
      suite: SUITE,
      name: 'http-submit-and-status',
      description: `autocannon, ${connections} connections, ${seconds} s each: POST /tasks (no-op, queueCapacity 20: overload), then GET /status; ${agents} agent(s)`,
      params: { agents, connections, seconds },
      contenders: contenders(ctx, { peers: false }),
      figures: [
        figure('submitRps', 'POST /tasks req/s', 'tasks/s', 'higher', (r) => r.submitRps, 0),
        figure('submitP50', 'POST /tasks p50 ms', 'ms', 'lower', (r) => r.submitP50, 2),
        figure('submitP975', 'POST /tasks p97.5 ms', 'ms', 'lower', (r) => r.submitP975, 2),
        figure('submitP99', 'POST /tasks p99 ms', 'ms', 'lower', (r) => r.submitP99, 2),
        figure('accepted', 'accepted (202), all completed', 'count', 'higher', (r) => r.accepted, 0),
        figure('refused', 'refused (429)', 'count', 'lower', (r) => r.refused, 0),
        figure('statusRps', 'GET /status req/s', 'tasks/s', 'higher', (r) => r.statusRps, 0),
        figure('statusP975', 'GET /status p97.5 ms', 'ms', 'lower', (r) => r.statusP975, 2),
        figure('statusP99', 'GET /status p99 ms', 'ms', 'lower', (r) => r.statusP99, 2),
      ],
      async unit(session) {
        const { serve } = await import(new URL('../../dist/src/serve/index.js', import.meta.url).href);
        const server = await serve({ pool: { agent: AGENT, size: agents, maxSize: agents, queueCapacity: 20 }, port: 0, version: 'bench' });
        try {
          const submit = await session.guard(load(server.url, { path: '/tasks', method: 'POST', body: { type: 'noop', payload: { i: 0, op: 'noop', args: [1, 2, 3] } }, connections, seconds }), 'POST /tasks');
          await session.guard(server.pool.onIdle(), 'drain');
          // Counted by the server: autocannon stops mid-flight, so a few 202s it never reads still count here.
          const life = server.pool.metrics().lifetime.tasks;
          const accepted = life.submitted;
          if (life.completed !== accepted) throw new Error(`${accepted} tasks accepted over HTTP, ${life.completed} completed, ${life.failed} failed, ${life.cancelled} cancelled`);
          const status = await session.guard(load(server.url, { path: '/status', connections, seconds }), 'GET /status');
          return {
            submitRps: submit.requests.average,
            submitP50: submit.latency.p50,
            submitP975: submit.latency.p97_5,
            submitP99: submit.latency.p99,
            accepted,
            refused: submit.statusCodeStats['429']?.count ?? 0,
            statusRps: status.requests.average,
            statusP975: status.latency.p97_5,
            statusP99: status.latency.p99,
          };
        } finally {
          await server.stop(true);
        }
      },
    },
  ];
}
