/**
 * A failed listen, worded once for every server wsinspect runs (proxy, echo
 * server, inspector UI) from the error's code, never from its message text.
 */
import { formatAddress } from './endpoint.js';

const REASONS: Record<string, string> = {
  EADDRINUSE: 'port already in use',
  EACCES: 'permission denied',
  EADDRNOTAVAIL: 'address not available on this machine',
  ENOTFOUND: 'unknown host',
  EAI_AGAIN: 'unknown host',
};

/** The address could not be bound: the user's to fix. `code` is the errno name, e.g. EADDRINUSE. */
export class ListenError extends Error {
  override name = 'ListenError';
  constructor(
    readonly code: string | undefined,
    host: string,
    port: number,
    detail: string,
  ) {
    super(`cannot listen on ${formatAddress(host, port)}: ${code && REASONS[code] ? REASONS[code] : detail}`);
  }
}

/** Wraps the error a Node server emitted when `listen` failed. */
export function listenError(err: NodeJS.ErrnoException, host: string, port: number): ListenError {
  return new ListenError(err.code, host, port, err.message);
}
