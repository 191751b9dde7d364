/**
 * The embedded echo server: answers every WebSocket message with the same
 * opcode and payload, and serves the demo page at `/`. It is the proxy's
 * default upstream, and `wsinspect echo` runs it alone.
 *
 * Two engines with the same behaviour: uWebSockets.js where one of its native
 * binaries loads for this Node and libc, else `ws`. Both are imported only
 * here, when a server starts, so nothing else depends on either.
 */
import { loadUws } from './uws-loader.js';
import type { EchoServer, EchoServerOptions } from './engine.js';

export type { EchoServer, EchoServerOptions } from './engine.js';
export { ListenError } from '../net/listen-error.js';

export const ENGINES = ['uws', 'ws'] as const;
export type EngineName = (typeof ENGINES)[number];

/** `--echo-engine uws` where no uWS binary loads: the user's to fix (or to drop the flag). */
export class EngineUnavailable extends Error {
  override name = 'EngineUnavailable';
}

/**
 * Starts the echo server on `engine`, or on uWS when a binary loads and `ws`
 * otherwise. Throws EngineUnavailable when uWS is asked for and cannot load,
 * ListenError when the address cannot be bound.
 */
export async function startEchoServer(options: EchoServerOptions & { engine?: EngineName } = {}): Promise<EchoServer> {
  const { host = '127.0.0.1', port = 0, deflate = false, prefix = '', engine } = options;
  const settings = { host, port, deflate, prefix };
  const uws = engine === 'ws' ? null : loadUws();
  if (uws?.ok) {
    const { startUwsEcho } = await import('./uws-echo.js');
    return startUwsEcho(uws.uws, { ...settings, engine: `uWebSockets.js ${uws.version}` });
  }
  if (engine === 'uws') throw new EngineUnavailable(uws!.reason);
  const { startWsEcho } = await import('./ws-echo.js');
  return startWsEcho({ ...settings, engine: uws ? `ws; ${uws.reason}` : 'ws, as asked' });
}
