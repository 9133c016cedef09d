/**
 * `daedalus serve`: one CoordinationPool behind the HTTP API until SIGTERM,
 * SIGINT, `daedalus stop` or DELETE /pool. The first signal drains (accepted
 * work finishes, new work gets 503) within --shutdown-timeout, then forces; a
 * second signal forces at once.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PoolOptions } from '../types.js';
import { UsageError, numberFlag, parseFlags, redisFlags, stringFlag, type FlagSpec } from './args.js';
import type { Io } from './gate-command.js';
import { SERVE_HELP, packageVersion } from './help.js';

const FLAGS: FlagSpec = {
  agent: { type: 'string' },
  config: { type: 'string' },
  size: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  token: { type: 'string' },
  'shutdown-timeout': { type: 'string' },
  'body-limit': { type: 'string' },
  redis: { type: 'string' },
  queue: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

/** A path given on the command line or in a config file, as a file URL (relative to `base`). */
function moduleUrl(path: string, base: string): string {
  return pathToFileURL(isAbsolute(path) ? path : resolve(base, path)).href;
}

/** --config FILE: pool options as JSON; `agent` and each role's `agent` are paths relative to the file. */
function readConfig(file: string): PoolOptions {
  let options: PoolOptions & { agents?: Record<string, { agent: string }> };
  try {
    options = JSON.parse(readFileSync(file, 'utf8')) as typeof options;
  } catch (error) {
    throw new UsageError('--config', `--config ${file}: cannot read it as JSON (${(error as Error).message})`, { cause: error });
  }
  const base = dirname(file);
  if (typeof options.agent === 'string') options.agent = moduleUrl(options.agent, base);
  for (const role of Object.values(options.agents ?? {})) if (typeof role.agent === 'string') role.agent = moduleUrl(role.agent, base);
  return options;
}

export async function serveCommand(argv: readonly string[], io: Io): Promise<number> {
  const values = parseFlags(argv, FLAGS, 'serve');
  if (values.help === true) {
    io.out(SERVE_HELP);
    return 0;
  }
  const agent = stringFlag(values, 'agent');
  const config = stringFlag(values, 'config');
  if ((agent === undefined) === (config === undefined)) throw new UsageError('--agent', 'give --agent FILE or --config FILE (one of them)');
  const size = numberFlag(values, 'size', { min: 1, max: 256, integer: true });
  const pool: PoolOptions = config === undefined ? { agent: moduleUrl(agent as string, process.cwd()), ...(size === undefined ? {} : { size }) } : readConfig(resolve(config));
  const { serve } = await import('../serve/serve.js');
  const line = (text: string): void => io.out(`daedalus serve: ${text}\n`);
  const server = await serve({
    pool,
    host: stringFlag(values, 'host'),
    port: numberFlag(values, 'port', { min: 0, max: 65_535, integer: true }),
    token: stringFlag(values, 'token'),
    shutdownTimeoutMs: numberFlag(values, 'shutdown-timeout', { min: 0, max: 86_400_000 }),
    bodyLimit: numberFlag(values, 'body-limit', { min: 1, max: 1_073_741_824, integer: true }),
    version: packageVersion(),
    log: line,
    redis: redisFlags(values),
  });
  let signals = 0;
  const onSignal = (name: string): void => {
    signals++;
    line(`${name}: ${signals === 1 ? 'draining' : 'stopping now'}`);
    void server.stop(signals > 1);
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  await server.stopped;
  return 0;
}
