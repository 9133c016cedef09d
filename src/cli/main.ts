#!/usr/bin/env node
/**
 * The `daedalus` command: dispatch to a subcommand and turn its outcome into an
 * exit code. 0 pass, 1 a failed check (or a run that could not finish),
 * 2 a usage error (unknown command or flag, bad value, missing file, bad workload).
 */
import { UsageError } from './args.js';
import type { Io } from './gate-command.js';
import { MAIN_HELP, packageVersion } from './help.js';

const EXIT_PASS = 0;
const EXIT_FAIL = 1;
const EXIT_USAGE = 2;

async function dispatch(argv: readonly string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
      throw new UsageError('command', `no command given\n\n${MAIN_HELP}`);
    case 'help':
    case '--help':
    case '-h':
      io.out(MAIN_HELP);
      return EXIT_PASS;
    case '--version':
    case '-v':
      io.out(`${packageVersion()}\n`);
      return EXIT_PASS;
    // Commands load on demand: --help, --version and usage errors never pay for the pool's modules.
    case 'gate':
      return (await import('./gate-command.js')).gateCommand(rest, io);
    case 'bench':
      return (await import('./bench-command.js')).benchCommand(rest, io);
    case 'serve':
      return (await import('./serve-command.js')).serveCommand(rest, io);
    case 'status':
    case 'agents':
    case 'queue':
    case 'bottlenecks':
    case 'metrics':
    case 'events':
    case 'stop':
      return (await import('./client-commands.js')).clientCommand(command, rest, io);
    default:
      throw new UsageError(command, command.startsWith('-') ? `unknown flag ${command} (see 'daedalus --help')` : `unknown command '${command}' (commands: gate, bench, serve, status, agents, queue, bottlenecks, metrics, events, stop; see 'daedalus --help')`);
  }
}

/** Resolves once the stream has taken everything written so far. */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => stream.write('', () => resolve()));
}

async function main(): Promise<void> {
  const io: Io = { out: (text) => void process.stdout.write(text), err: process.stderr };
  let code: number;
  try {
    code = await dispatch(process.argv.slice(2), io);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`daedalus: ${error.message}\n`);
      code = EXIT_USAGE;
    } else {
      const e = error instanceof Error ? error : new Error(String(error));
      process.stderr.write(`daedalus: the run could not finish: ${e.stack ?? e.message}\n`);
      code = EXIT_FAIL;
    }
  }
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  // Exit explicitly: a failed run must not hang a CI job on a handle it left open.
  process.exit(code);
}

void main();
