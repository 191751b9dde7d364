/**
 * The flags `wsinspect handshake` and `wsinspect connect` share (how to open
 * the connection, how to show it), turned into settings; a bad value is a
 * one-line UsageError (exit 2).
 */
import type { Command } from 'commander';
import { EXIT_FAILED, UsageError } from './errors.js';
import { parsePositiveNumber, parseUrlOption } from './options.js';
import type { Endpoint } from '../net/endpoint.js';
import { makeChalk } from '../render/color.js';
import { escapeForTerminal } from '../render/escape.js';
import type { TextOut } from '../render/sink.js';
import type { OpenSettings } from '../client/open.js';
import { connect } from '../client/connect.js';
import { ClientConnection } from '../client/connection.js';
import { Report } from './client-report.js';
import { checkProtocolName, parseHeaderArg } from '../client/request.js';

/** The shared flags as commander hands them over (tests pass the same shape). */
export interface ClientCliOptions {
  header?: string[];
  protocol?: string[];
  origin?: string;
  deflate?: boolean;
  insecure?: boolean;
  /** Seconds. */
  timeout?: string;
  follow?: boolean;
  json?: boolean;
  /** false with --no-color. */
  color?: boolean;
}

/** The streams a client command talks to; process.stdin/stdout/stderr in real use. */
export interface ClientIO {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

export const DEFAULT_TIMEOUT_SECONDS = '10';

/** Commander's accumulator for repeatable options. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function addClientOptions(command: Command): Command {
  return command
    .argument('<url>', 'ws://, wss:// (or http://, https://) URL of the WebSocket endpoint')
    .option('-H, --header <header>', 'add a request header "Name: value", or replace a default one of that name ("Name:" removes it); repeatable', collect)
    .option('--protocol <name>', 'offer this subprotocol (Sec-WebSocket-Protocol); repeatable', collect)
    .option('--origin <origin>', 'send this Origin header')
    .option('--deflate', 'offer permessage-deflate; client_max_window_bits')
    .option('--insecure', 'do not verify the server\'s TLS certificate')
    .option('--timeout <seconds>', 'deadline to connect, and again for the response', DEFAULT_TIMEOUT_SECONDS)
    .option('--follow', 'follow redirects (301, 302, 303, 307, 308), up to 5')
    .option('--json', 'NDJSON events on stdout instead of the pretty view')
    .option('--no-color', 'no colours (NO_COLOR is honoured too)');
}

export function parseClientOptions(url: string, options: ClientCliOptions): { endpoint: Endpoint; settings: OpenSettings } {
  const endpoint = parseUrlOption(url);
  const usage = <T>(parse: () => T): T => {
    try {
      return parse();
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  };
  const headers = usage(() => (options.header ?? []).map(parseHeaderArg));
  const protocols = usage(() => (options.protocol ?? []).map(checkProtocolName));
  const origin = options.origin === undefined ? undefined : usage(() => parseHeaderArg(`Origin: ${options.origin}`)[1]);
  return {
    endpoint,
    settings: {
      request: { headers, protocols, origin, deflate: options.deflate ?? false },
      insecure: options.insecure ?? false,
      timeoutMs: parsePositiveNumber(options.timeout ?? DEFAULT_TIMEOUT_SECONDS, '--timeout') * 1000,
      follow: options.follow ?? false,
    },
  };
}

/** The report for --json or the pretty view, fitted to the terminal. */
export function createReport(options: ClientCliOptions, io: ClientIO, out: TextOut = io.stdout): Report {
  return new Report(out, {
    json: options.json ?? false,
    chalk: makeChalk({ color: options.color, stream: io.stdout }),
    // A pseudo-terminal may report 0 columns: then the renderer's default applies.
    width: (io.stdout.isTTY && io.stdout.columns) || undefined,
  });
}

/** `wsinspect: reason` on stderr (escaped: the reason may quote the server), and the exit code 1. */
export function failWith(reason: string, io: ClientIO): number {
  io.stderr.write(`wsinspect: ${escapeForTerminal(reason)}\n`);
  return EXIT_FAILED;
}

/**
 * Opens the WebSocket (handshake checked and reported) and wraps it in a
 * frame-level connection reporting to `report`. When the handshake fails the
 * reason is printed and the exit code comes back instead.
 */
export async function openConnection(endpoint: Endpoint, settings: OpenSettings, report: Report, io: ClientIO): Promise<ClientConnection | number> {
  const connection = await connect(endpoint, settings, report);
  if (connection instanceof ClientConnection) return connection;
  await report.close();
  return failWith(connection.failed, io);
}
