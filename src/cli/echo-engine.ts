/** `--echo-engine uws|ws`, shared by `proxy` and `echo`, and starting the echo server with it. */
import { Option } from 'commander';
import { ENGINES, EngineUnavailable, ListenError, startEchoServer, type EchoServer, type EchoServerOptions, type EngineName } from '../echo/echo-server.js';
import { UsageError } from './errors.js';

export function echoEngineOption(): Option {
  return new Option('--echo-engine <engine>', 'echo server engine (default: uws where its binary loads, else ws)').choices(ENGINES);
}

/** Starts the echo server; a forced engine that cannot load and an address that cannot be bound are usage errors. */
export function startEcho(options: EchoServerOptions & { echoEngine?: EngineName }): Promise<EchoServer> {
  return startEchoServer({ ...options, engine: options.echoEngine }).catch((err: unknown) => {
    if (err instanceof EngineUnavailable) throw new UsageError(`--echo-engine uws: ${err.message}`);
    throw err instanceof ListenError ? new UsageError(err.message) : err;
  });
}
