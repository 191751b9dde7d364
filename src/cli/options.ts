/** Parsers for option values shared by the commands; each throws a one-line UsageError. */
import { UsageError } from './errors.js';
import { parseEndpoint, type Endpoint } from '../net/endpoint.js';

export function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) {
    throw new UsageError(`invalid port "${text}": expected an integer from 0 to 65535`);
  }
  return port;
}

/** "HOST:PORT", "[::1]:PORT", or a bare "PORT" (loopback). */
export function parseHostPort(text: string, what = '--listen'): { host: string; port: number } {
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(text);
  if (bracketed) return { host: bracketed[1]!, port: parsePort(bracketed[2]!) };
  if (/^\d+$/.test(text)) return { host: '127.0.0.1', port: parsePort(text) };
  const at = text.lastIndexOf(':');
  if (at <= 0 || text.indexOf(':') !== at) {
    throw new UsageError(`invalid ${what} "${text}": expected HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080`);
  }
  return { host: text.slice(0, at), port: parsePort(text.slice(at + 1)) };
}

export function parsePositiveNumber(text: string, what: string): number {
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || value <= 0) throw new UsageError(`invalid ${what} "${text}": expected a positive number`);
  return value;
}

export function parseCount(text: string, what: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`invalid ${what} "${text}": expected a whole number`);
  return Number(text);
}

export function parseUrlOption(text: string): Endpoint {
  try {
    return parseEndpoint(text);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** Resolves on the first SIGINT or SIGTERM; a second one exits at once. */
export function untilSignalled(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const first = (signal: NodeJS.Signals) => {
      process.off('SIGINT', first).off('SIGTERM', first);
      process.once('SIGINT', () => process.exit(130)).once('SIGTERM', () => process.exit(143));
      resolve(signal);
    };
    process.on('SIGINT', first).on('SIGTERM', first);
  });
}
