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
import * as accept from './accept.js';
import * as key from './key.js';
import * as decode from './decode.js';
import * as proxy from './proxy.js';
import * as echo from './echo.js';
import * as handshake from './handshake.js';
import * as connect from './connect.js';
import * as read from './read.js';
import * as send from './send.js';
import * as ca from './ca.js';
import { addVersionOption } from './version.js';
import * as replay from './replay.js';

/** Each command module adds itself to the program; its action sets process.exitCode. */
const commands = [proxy, echo, accept, key, decode, handshake, connect, read, send, replay, ca];

function buildProgram(): Command {
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
  const program = buildProgram();
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
