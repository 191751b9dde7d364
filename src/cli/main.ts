#!/usr/bin/env node
/**
 * The wsinspect entry point: builds the command line, runs one command, and is
 * the only place that turns errors into exit codes (contract: 0 ok, 1 the thing
 * checked is wrong, 2 usage).
 */
import { Command, CommanderError } from 'commander';
import { EXIT_FAILED, EXIT_USAGE, UsageError, CheckFailed } from './errors.js';
import { escapeForTerminal } from '../render/escape.js';
import { rejectUnknownCommand } from './unknown-command.js';
import { watchStdout } from './stdout-closed.js';
import { addVersionOption } from './version.js';

interface CommandModule {
  register(program: Command): void;
}

/** Each command module adds itself to the program; its action sets process.exitCode. In the order help lists them. */
const COMMANDS: Record<string, () => Promise<CommandModule>> = {
  proxy: () => import('./proxy.js'),
  echo: () => import('./echo.js'),
  accept: () => import('./accept.js'),
  key: () => import('./key.js'),
  decode: () => import('./decode.js'),
  handshake: () => import('./handshake.js'),
  connect: () => import('./connect.js'),
  read: () => import('./read.js'),
  send: () => import('./send.js'),
  replay: () => import('./replay.js'),
  ca: () => import('./ca.js'),
};

/**
 * The command modules `argv` needs: only the one it names, when its first
 * word is a command (a command's imports are most of the startup time, and
 * reading a capture needs none of the proxy's, the inspector server's or the
 * TLS layer's); every one otherwise (help, the default command, a mistyped name).
 */
async function commandsFor(argv: string[]): Promise<CommandModule[]> {
  const word = argv[2];
  const names = word !== undefined && Object.hasOwn(COMMANDS, word) ? [word] : Object.keys(COMMANDS);
  return Promise.all(names.map((name) => COMMANDS[name]!()));
}

function buildProgram(commands: CommandModule[]): Command {
  const program = new Command('wsinspect')
    .description('See and check the WebSocket protocol on the wire')
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(oneLineUsageError(str)) });
  for (const command of commands) command.register(program);
  addVersionOption(program);
  program.hook('preSubcommand', rejectUnknownCommand);
  // Commander applies exitOverride/configureOutput to subcommands created after these calls.
  return program;
}

/** Commander's "error: unknown option '--x'" becomes "wsinspect: unknown option '--x' (see --help)". */
function oneLineUsageError(text: string): string {
  const first = text.split('\n')[0]!.replace(/^error: /, '');
  return `wsinspect: ${first} (see --help)\n`;
}

async function main(argv: string[]): Promise<void> {
  watchStdout();
  const program = buildProgram(await commandsFor(argv));
  try {
    await program.parseAsync(argv);
  } catch (err) {
    process.exitCode = exitCodeFor(err);
  }
}

function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) {
    // Help and version are "errors" to commander; everything else it throws is usage.
    return err.exitCode === 0 ? 0 : EXIT_USAGE;
  }
  if (err instanceof UsageError) {
    process.stderr.write(`wsinspect: ${escapeForTerminal(err.message)}\n`);
    return EXIT_USAGE;
  }
  if (err instanceof CheckFailed) {
    process.stderr.write(`wsinspect: ${escapeForTerminal(err.message)}\n`);
    return EXIT_FAILED;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`wsinspect: ${escapeForTerminal(message)}\n`);
  if (process.env.WSINSPECT_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  return EXIT_FAILED;
}

void main(process.argv);
