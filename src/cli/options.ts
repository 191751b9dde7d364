/** Parsers for option values shared by the commands; each throws a one-line UsageError. */
import { UsageError } from './errors.js';
import { onStdoutClosed } from './stdout-closed.js';
import { parseEndpoint, type Endpoint } from '../net/endpoint.js';
import { parseFilter, FilterSyntaxError, type Filter } from '../filter/index.js';

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

/**
 * Resolves when a long-running command should stop: on the first SIGINT or
 * SIGTERM (a second one exits at once), or when stdout's reader goes away.
 */
export function untilStopped(): Promise<void> {
  return new Promise((resolve) => {
    const first = () => {
      process.off('SIGINT', first).off('SIGTERM', first);
      process.once('SIGINT', () => process.exit(130)).once('SIGTERM', () => process.exit(143));
      resolve();
    };
    process.on('SIGINT', first).on('SIGTERM', first);
    onStdoutClosed(first);
  });
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1000, kib: 1024, m: 1024 ** 2, mb: 1000 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1000 ** 3, gib: 1024 ** 3 };

/** A byte size: "1048576", "512KiB", "256MiB", "1GiB" (K/M/G alone are binary; kB/MB/GB decimal). */
export function parseSize(text: string, what: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = match ? SIZE_UNITS[match[2]!.toLowerCase()] : undefined;
  if (!match || unit === undefined) throw new UsageError(`invalid ${what} "${text}": expected a size such as 256MiB, 1GiB or 500000`);
  return Math.floor(Number(match[1]) * unit);
}

/** An invalid expression is a usage error naming the position (exit 2). */
export function parseFilterOption(source: string | undefined, flag = '--filter'): Filter {
  try {
    return parseFilter(source ?? '');
  } catch (err) {
    if (err instanceof FilterSyntaxError) throw new UsageError(`${flag}: ${err.message}`);
    throw err;
  }
}
