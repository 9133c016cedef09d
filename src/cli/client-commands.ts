/**
 * Views of a running `daedalus serve`: status, agents, queue, bottlenecks,
 * metrics, events, stop. Each asks the HTTP API (--url, default
 * http://127.0.0.1:7070; --token), prints an aligned table or --json, and exits
 * 0; a server that cannot be reached is a usage error (exit 2) saying where it looked.
 */
import { UsageError, numberFlag, parseFlags, stringFlag, type FlagSpec } from './args.js';
import type { Io } from './gate-command.js';
import { formatTable } from './table.js';

export const CLIENT_COMMANDS = ['status', 'agents', 'queue', 'bottlenecks', 'metrics', 'events', 'stop'] as const;
export type ClientCommand = (typeof CLIENT_COMMANDS)[number];

const COMMON: FlagSpec = { url: { type: 'string' }, token: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } };
const EXTRA: Record<ClientCommand, FlagSpec> = {
  status: {},
  agents: {},
  queue: {},
  bottlenecks: { limit: { type: 'string' } },
  metrics: { agent: { type: 'string' }, type: { type: 'string' } },
  events: { tail: { type: 'string' }, follow: { type: 'boolean' } },
  stop: { force: { type: 'boolean' } },
};

export const CLIENT_HELP = `daedalus status|agents|queue|bottlenecks|metrics|events|stop - views of a running daedalus serve

Usage:
  daedalus status                  agents, queue, tasks and the SLO verdict
  daedalus agents                  every agent: role, status, current task, counts
  daedalus queue                   waiting tasks: depth, held, capacity
  daedalus bottlenecks [--limit N] the slowest tasks of the window
  daedalus metrics [--agent N] [--type T]
  daedalus events [--tail N] [--follow]
                                   the last N events (default 100), oldest first;
                                   --follow: then every new one as it happens, until interrupted
  daedalus stop [--force]          drain the server (or stop it at once)

Flags (every view):
  --url URL      the server (default http://127.0.0.1:7070)
  --token T      its bearer token
  --json         the server's JSON instead of a table

Exit codes: 0 done, 1 the server refused, 2 usage error or server not reachable.
`;

type Row = readonly (string | number | undefined)[];

const cell = (c: string | number | undefined): string => (c === undefined ? '-' : String(c));

function table(header: readonly string[], rows: readonly Row[]): string {
  return `${formatTable(header, rows.map((r) => r.map(cell)))}\n`;
}

async function call(base: string, token: string | undefined, path: string, method = 'GET'): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(new URL(path, base), { method, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  } catch (error) {
    throw new UsageError('--url', `cannot reach a daedalus server at ${base} (${(error as Error & { cause?: { code?: string } }).cause?.code ?? (error as Error).message}); start one with 'daedalus serve' or pass --url`, { cause: error });
  }
  const body = (await response.json()) as { code?: string; message?: string };
  if (!response.ok) throw Object.assign(new Error(`${base} answered ${response.status}: ${body.code ?? ''} ${body.message ?? ''}`.trim()), { exitCode: 1 });
  return body;
}

type Json = Record<string, unknown>;
const num = (v: unknown): number | undefined => (typeof v === 'number' ? Math.round(v * 100) / 100 : undefined);

export async function clientCommand(command: ClientCommand, argv: readonly string[], io: Io): Promise<number> {
  const values = parseFlags(argv, { ...COMMON, ...EXTRA[command] }, command);
  if (values.help === true) {
    io.out(CLIENT_HELP);
    return 0;
  }
  const base = stringFlag(values, 'url') ?? 'http://127.0.0.1:7070';
  const token = stringFlag(values, 'token');
  const json = values.json === true;
  const get = (path: string, method?: string): Promise<unknown> => call(base, token, path, method);
  const print = (data: unknown, render: () => string): number => {
    io.out(json ? `${JSON.stringify(data, null, 2)}\n` : render());
    return 0;
  };
  try {
    switch (command) {
      case 'status': {
        const s = (await get('/status')) as Json & { agents: Json; queue: Json; tasks: Json; slo: Json };
        return print(s, () =>
          table(['state', 'agents', 'idle', 'busy', 'queue', 'pending', 'running', 'completed', 'failed', 'p99 assign ms', 'SLO'], [
            [String(s.state), num(s.agents.total), num(s.agents.idle), num(s.agents.busy), num(s.queue.depth), num(s.tasks.pending), num(s.tasks.running), num(s.tasks.completed), num(s.tasks.failed), num(s.slo.p99Ms), s.slo.ok === true ? 'ok' : 'missed'],
          ]),
        );
      }
      case 'agents': {
        const agents = (await get('/agents')) as Json[];
        return print(agents, () => table(['agent', 'role', 'status', 'task', 'generation', 'completed', 'failed', 'restarts'], agents.map((a) => [num(a.agentId), String(a.role), String(a.status), num(a.currentTaskId), num(a.generation), num(a.tasksCompleted), num(a.tasksFailed), num(a.restarts)])));
      }
      case 'queue': {
        const m = (await get('/metrics')) as Json & { queue: Json; tasks: Json };
        return print(m.queue, () => table(['depth', 'held', 'capacity', 'pending', 'running'], [[num(m.queue.depth), num(m.queue.held), num(m.queue.capacity), num(m.tasks.pending), num(m.tasks.running)]]));
      }
      case 'bottlenecks': {
        const limit = numberFlag(values, 'limit', { min: 0, max: 100_000, integer: true });
        const b = (await get(`/bottlenecks${limit === undefined ? '' : `?limit=${limit}`}`)) as { slowest: Json[] };
        return print(b, () => table(['task', 'type', 'agent', 'run ms', 'wait ms', 'trace'], b.slowest.map((t) => [num(t.taskId), String(t.type), num(t.agentId), num(t.runMs), num(t.waitMs), String(t.traceId)])));
      }
      case 'metrics': {
        const agent = stringFlag(values, 'agent');
        const type = stringFlag(values, 'type');
        const m = (await get('/metrics')) as Json & { byAgent: Record<string, Json>; byType: Record<string, Json> };
        const groups = agent !== undefined ? { [`agent ${agent}`]: m.byAgent[agent] } : type !== undefined ? { [type]: m.byType[type] } : { all: m, ...m.byType };
        const missing = Object.entries(groups).find(([, g]) => g === undefined);
        if (missing !== undefined) throw new UsageError(agent !== undefined ? '--agent' : '--type', `no metrics for ${missing[0]} on ${base}`);
        const rows = Object.entries(groups).map(([name, g]) => {
          const a = (g as Json).assignmentLatencyMs as Json;
          const r = (g as Json).runTimeMs as Json;
          return [name, num(a.count), num(a.p50), num(a.p99), num(r.p50), num(r.p99)];
        });
        return print(groups, () => table(['group', 'tasks', 'assign p50 ms', 'assign p99 ms', 'run p50 ms', 'run p99 ms'], rows));
      }
      case 'events': {
        const tail = numberFlag(values, 'tail', { min: 0, max: 100_000, integer: true }) ?? 100;
        type Ev = { at: number; event: string; payload: Json };
        const row = (e: Ev): Row => [new Date(e.at).toISOString(), e.event, num(e.payload.taskId), num(e.payload.agentId), detail(e.payload)];
        const line = (e: Ev): void => io.out(json ? `${JSON.stringify(e)}\n` : `${row(e).map(cell).join('  ')}\n`);
        // Following: the stream is opened first, so nothing falls between the recent events and the live ones.
        const early: Ev[] = [];
        const sink: { live: ((e: Ev) => void) | undefined } = { live: undefined };
        const streaming = values.follow === true ? await follow(base, token, (e) => (sink.live === undefined ? early.push(e) : sink.live(e))) : undefined;
        const events = (await get(`/events?limit=${tail}`)) as (Ev & { seq: number })[];
        print(events, () => table(['at', 'event', 'task', 'agent', 'detail'], events.map(row)));
        if (streaming === undefined) return 0;
        // What arrived while the recent events were read may be among them: shown once.
        const shown = new Set(events.map((e) => `${e.event}:${String(e.payload.taskId)}:${String(e.payload.agentId)}`));
        for (const e of early) if (!shown.has(`${e.event}:${String(e.payload.taskId)}:${String(e.payload.agentId)}`)) line(e);
        sink.live = line;
        await streaming.done;
        return 0;
      }
      case 'stop': {
        const force = values.force === true;
        const answer = await get(`/pool${force ? '?force=true' : ''}`, 'DELETE');
        return print(answer, () => `stopping ${base}${force ? ' now' : ' (draining)'}\n`);
      }
    }
  } catch (error) {
    if ((error as { exitCode?: number }).exitCode === 1) {
      io.err.write(`daedalus ${command}: ${(error as Error).message}\n`);
      return 1;
    }
    throw error;
  }
}

/**
 * Opens /events/stream (server-sent events); resolves once connected with a
 * promise that hands each event on and settles when the server ends the stream.
 */
async function follow(base: string, token: string | undefined, onEvent: (e: { at: number; event: string; payload: Json }) => void): Promise<{ done: Promise<void> }> {
  const url = new URL('/events/stream', base);
  if (token !== undefined) url.searchParams.set('token', token);
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new UsageError('--url', `cannot reach a daedalus server at ${base} (${(error as Error).message})`, { cause: error });
  }
  const body = response.body;
  // Wrapped: an async function returning the promise itself would wait for the stream to end.
  return { done: body === null ? Promise.resolve() : readEvents(body, onEvent) };
}

async function readEvents(body: ReadableStream<Uint8Array>, onEvent: (e: { at: number; event: string; payload: Json }) => void): Promise<void> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const name = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (name === undefined || data === undefined) continue;
      const { at, payload } = JSON.parse(data) as { at: number; payload: Json };
      onEvent({ at, event: name, payload });
    }
  }
}

/** The fields of an event worth a glance: durations and what went wrong. */
function detail(p: Json): string {
  const parts: string[] = [];
  if (typeof p.type === 'string') parts.push(p.type);
  if (typeof p.runMs === 'number') parts.push(`${Math.round(p.runMs * 100) / 100} ms`);
  if (typeof p.assignmentLatencyMs === 'number') parts.push(`waited ${Math.round(p.assignmentLatencyMs * 100) / 100} ms`);
  const error = p.error as Json | undefined;
  if (error !== undefined && typeof error.message === 'string') parts.push(error.message);
  return parts.join(', ');
}
