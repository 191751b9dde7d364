/** `wsinspect echo [--host H] [--port N] [--deflate] [--prefix TEXT]`: the echo server alone. */
import type { Command } from 'commander';
import { ListenError, startEchoServer } from '../echo/echo-server.js';
import { UsageError } from './errors.js';
import { parsePort, untilSignalled } from './options.js';

export const DEFAULT_PORT = 9001;

export interface EchoOptions {
  host: string;
  port: string;
  deflate?: boolean;
  prefix?: string;
}

export function register(program: Command): void {
  program
    .command('echo')
    .description('run the uWebSockets.js echo server alone; it serves the demo page at /')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on, 0 for any free port', String(DEFAULT_PORT))
    .option('--deflate', 'accept permessage-deflate (with context takeover) and compress replies')
    .option('--prefix <text>', 'prepend TEXT to every text reply, e.g. "Received: "')
    .action((options: EchoOptions) => runEcho(options));
}

/** Runs until `stop` settles (by default: SIGINT or SIGTERM), then closes the server. */
export async function runEcho(options: EchoOptions, stop?: Promise<unknown>): Promise<void> {
  const port = parsePort(options.port);
  const server = await startEchoServer({ ...options, port }).catch((err: unknown) => {
    throw err instanceof ListenError ? new UsageError(err.message) : err;
  });
  const page = server.url.replace(/^ws:/, 'http:');
  process.stdout.write(`echo server listening on ${server.url} (demo page: ${page})\n`);
  await (stop ?? untilSignalled());
  await server.close();
}
