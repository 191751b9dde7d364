/**
 * `wsinspect connect URL`: a client like wscat that shows every frame both
 * ways at frame level. Lines typed (or piped in, or given with --send) become
 * messages or slash commands; the connection ends with a closing handshake.
 * Exit 0 on a clean close, 1 on an abnormal one or any error-severity violation.
 */
import readline from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import {
  addClientOptions,
  collect,
  createReport,
  openConnection,
  parseClientOptions,
  type ClientCliOptions,
  type ClientIO,
} from './client-options.js';
import type { ClientConnection } from '../client/connection.js';
import { LINE_HELP, parseLine, type LineAction } from './line-commands.js';
import { PromptScreen } from '../render/prompt-screen.js';
import { escapeForTerminal } from '../render/escape.js';
import type { TextOut } from '../render/sink.js';
import { EXIT_FAILED, EXIT_OK } from './errors.js';
import { parsePositiveNumber } from './options.js';

export interface ConnectOptions extends ClientCliOptions {
  send?: string[];
  /** Seconds to wait for replies after the last message before closing. */
  wait?: string;
}

const HELP_AFTER = `
Input: lines typed at the prompt, or piped on stdin, or --send (no stdin read).
${LINE_HELP}

Examples:
  wsinspect connect ws://127.0.0.1:9001/
  wsinspect connect wss://example.com/socket --send '{"op":"subscribe"}' --wait 5 --json
  printf 'hi\\n' | wsinspect connect ws://127.0.0.1:9001/

Exit status: 0 closed cleanly, 1 abnormal closure, a failed handshake or a protocol violation, 2 usage error.`;

export function register(program: Command): void {
  addClientOptions(program.command('connect'))
    .description('an interactive WebSocket client showing every frame both ways')
    .option('--send <text>', 'send this text message (repeatable), wait for replies, then close', collect)
    .option('--wait <seconds>', 'after the last message, how long to wait for replies before closing', '1')
    .addHelpText('after', HELP_AFTER)
    .action(async (url: string, options: ConnectOptions) => {
      process.exitCode = await runConnect(url, options, process);
    });
}

export async function runConnect(url: string, options: ConnectOptions, io: ClientIO): Promise<number> {
  const { endpoint, settings } = parseClientOptions(url, options);
  const waitMs = options.wait === '0' ? 0 : parsePositiveNumber(options.wait ?? '1', '--wait') * 1000;
  const sends = options.send ?? [];
  const interactive = sends.length === 0 && Boolean(io.stdin.isTTY);
  // The prompt goes where it cannot spoil the output: stderr when stdout is NDJSON or not a terminal.
  const promptOut = !options.json && io.stdout.isTTY ? io.stdout : io.stderr;
  const screen = new PromptScreen(promptOut);
  const report = createReport(options, io, screen.wrap(io.stdout));

  const connection = await openConnection(endpoint, settings, report, io);
  if (typeof connection === 'number') return connection;
  if (sends.length > 0) {
    for (const text of sends) connection.sendText(text);
    await closeAfter(connection, waitMs);
  } else {
    await readLines(connection, io, { interactive, waitMs, screen, promptOut, note: screen.wrap(io.stderr) });
  }
  await connection.ended;
  await report.close();
  return report.errors > 0 ? EXIT_FAILED : EXIT_OK;
}

/** Waits `waitMs` for replies (or for the server to close), then starts the closing handshake. */
async function closeAfter(connection: ClientConnection, waitMs: number): Promise<void> {
  // Not ref'd: a server that closes first must not leave the process waiting out the timer.
  await Promise.race([sleep(waitMs, undefined, { ref: false }), connection.ended]);
  connection.close(1000);
}

interface LineInput {
  interactive: boolean;
  waitMs: number;
  screen: PromptScreen;
  promptOut: ClientIO['stderr'];
  /** Where messages for the person go (stderr), prompt-safe. */
  note: TextOut;
}

/**
 * Acts on each line of stdin until it ends, the user closes, or the server
 * does. At the end of piped input the replies get --wait; at Ctrl-D the user
 * is done, so the close starts at once.
 */
async function readLines(connection: ClientConnection, io: ClientIO, input: LineInput): Promise<void> {
  const { interactive, screen } = input;
  const rl = readline.createInterface({
    input: io.stdin,
    output: interactive ? input.promptOut : undefined,
    terminal: interactive && Boolean(input.promptOut.isTTY),
    prompt: '> ',
  });
  // Ctrl-C (readline takes it in terminal mode): the first closes cleanly, the second drops the connection.
  rl.on('SIGINT', () => (connection.open ? connection.close(1000) : connection.abort()));
  const done = () => {
    screen.release();
    rl.close();
  };
  void connection.ended.then(done);
  if (interactive) {
    input.note.write('connected: type a message, /help for commands, Ctrl-D to close\n');
    screen.attach(rl);
    rl.prompt();
  }
  for await (const line of rl) {
    perform(parseLine(line), connection, input.note);
    if (!connection.open) break;
    if (interactive) rl.prompt();
  }
  done();
  if (connection.open) await closeAfter(connection, interactive ? 0 : input.waitMs);
}

function perform(action: LineAction, connection: ClientConnection, note: TextOut): void {
  let sent = true;
  switch (action.kind) {
    case 'text':
      sent = connection.sendText(action.text);
      break;
    case 'binary':
      sent = connection.sendBinary(action.bytes);
      break;
    case 'ping':
      sent = connection.ping(action.payload);
      break;
    case 'fragment':
      sent = connection.sendFragmented(action.text, action.count);
      break;
    case 'close':
      connection.close(action.code, action.reason);
      break;
    case 'help':
      note.write(`${LINE_HELP}\n`);
      break;
    case 'invalid':
      note.write(`wsinspect: ${escapeForTerminal(action.message)}\n`);
      break;
    case 'nothing':
      break;
  }
  if (!sent) note.write('wsinspect: not sent: the connection is closing\n');
}
