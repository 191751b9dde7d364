/** `wsinspect echo [--host H] [--port N] [--deflate] [--prefix TEXT]`: the echo server alone. */
import type { Command } from 'commander';
import { ListenError, startEchoServer } from '../echo/echo-server.js';
import { UsageError } from './errors.js';

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
  await (stop ?? signalled());
  await server.close();
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) {
    throw new UsageError(`invalid port "${text}": expected an integer from 0 to 65535`);
  }
  return port;
}

function signalled(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
      resolve(signal);
    };
    process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  });
}
