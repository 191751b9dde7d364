/** `wsinspect echo [--listen HOST:PORT] [--deflate] [--prefix TEXT] [--echo-engine uws|ws]`: the echo server alone. */
import type { Command } from 'commander';
import type { EngineName } from '../echo/echo-server.js';
import { echoEngineOption, startEcho } from './echo-engine.js';
import { UsageError } from './errors.js';
import { parseHostPort, parsePort, untilStopped } from './options.js';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 9001;

export interface EchoOptions {
  listen?: string;
  host?: string;
  port?: string;
  deflate?: boolean;
  prefix?: string;
  echoEngine?: EngineName;
}

export function register(program: Command): void {
  program
    .command('echo')
    .description('run the echo server alone (uWebSockets.js, or ws where no uWS binary loads); it serves the demo page at /')
    .option('--listen <host:port>', `where to listen (default ${DEFAULT_HOST}:${DEFAULT_PORT}; port 0 for any free port)`)
    .option('--host <host>', `the host part of --listen (default ${DEFAULT_HOST})`)
    .option('--port <port>', `the port part of --listen (default ${DEFAULT_PORT})`)
    .option('--deflate', 'accept permessage-deflate (with context takeover) and compress replies')
    .option('--prefix <text>', 'prepend TEXT to every text reply, e.g. "Received: "')
    .addOption(echoEngineOption())
    .action((options: EchoOptions) => runEcho(options));
}

/** Runs until `stop` settles (by default: SIGINT or SIGTERM), then closes the server. */
export async function runEcho(options: EchoOptions, stop: Promise<unknown> = untilStopped()): Promise<void> {
  const { deflate, prefix, echoEngine } = options;
  const server = await startEcho({ ...listenAddress(options), deflate, prefix, echoEngine });
  const page = server.url.replace(/^ws:/, 'http:');
  process.stdout.write(`echo server listening on ${server.url} (demo page: ${page})\n  engine: ${server.engine}\n`);
  await stop;
  await server.close();
}

/** `--listen`, or the older `--host`/`--port` pair (either may be left out). */
function listenAddress(options: EchoOptions): { host: string; port: number } {
  if (options.listen !== undefined) {
    if (options.host !== undefined || options.port !== undefined) throw new UsageError('--listen replaces --host and --port: give one or the other');
    return parseHostPort(options.listen);
  }
  return { host: options.host ?? DEFAULT_HOST, port: options.port === undefined ? DEFAULT_PORT : parsePort(options.port) };
}
