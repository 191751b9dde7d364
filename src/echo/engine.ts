/**
 * What every echo engine (uWebSockets.js, or the `ws` fallback) implements,
 * and the limits they share so that both behave the same.
 */

export interface EchoServerOptions {
  /** Address to bind; default 127.0.0.1. `::1` and host names work too. */
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Accept permessage-deflate (with context takeover both ways) and compress replies. */
  deflate?: boolean;
  /** Prepended to every text reply, like the classic tutorial server's `Received: `. */
  prefix?: string;
}

export interface EchoServer {
  readonly host: string;
  /** The port actually bound. */
  readonly port: number;
  /** `ws://host:port/`, with an IPv6 host in brackets. */
  readonly url: string;
  /** Which engine runs and why, for banners: `uWebSockets.js 20.30.0` or `ws; uWebSockets.js has no binary for …`. */
  readonly engine: string;
  /** Closes open WebSockets with 1001 and stops listening; safe to call twice. */
  close(): Promise<void>;
}

export type EngineOptions = Required<EchoServerOptions> & { engine: string };

/** Largest message accepted (uWS's default is 16 KiB); tests push 16 MiB messages through. */
export const MAX_PAYLOAD = 256 * 1024 * 1024;
/**
 * Unread replies buffered for one client before it is cut off rather than
 * silently missing an echo. One full-size message always fits.
 */
export const MAX_BACKPRESSURE = MAX_PAYLOAD;

export const SHUTDOWN = { code: 1001, reason: 'server shutting down' } as const;
