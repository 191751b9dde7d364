/**
 * Opens a TCP or TLS connection to an endpoint with a deadline, and says in
 * plain words why one failed ("connection refused", "TLS: certificate has
 * expired"), for the proxy's 502 page and the handshake command's reason line.
 * TLS verifies the certificate and sends SNI unless told `insecure`.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { Endpoint } from './endpoint.js';

export interface DialOptions {
  insecure?: boolean;
  timeoutMs?: number;
  /** ALPN protocols to offer over TLS (WebSocket over HTTP/1.1: ["http/1.1"]). */
  alpn?: string[];
  /** Gives up on the dial (the socket is destroyed and the promise rejects). */
  signal?: AbortSignal;
  /** Trusted roots for the TLS upstream instead of Node's (a test server's own certificate). */
  ca?: string | Buffer;
  /** TLS over this already connected TCP socket rather than a new connection (a CONNECT tunnel's). */
  socket?: net.Socket;
}

export class DialError extends Error {
  override name = 'DialError';
  constructor(
    message: string,
    /** "timeout" lets callers answer 504 rather than 502. */
    readonly kind: 'timeout' | 'refused' | 'dns' | 'tls' | 'other',
  ) {
    super(message);
  }
}

export function dial(endpoint: Endpoint, options: DialOptions = {}): Promise<net.Socket> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const socket = endpoint.secure
      ? tls.connect({
          socket: options.socket,
          ca: options.ca,
          host: endpoint.host,
          port: endpoint.port,
          servername: net.isIP(endpoint.host) ? undefined : endpoint.host,
          rejectUnauthorized: !options.insecure,
          ALPNProtocols: options.alpn ?? ['http/1.1'],
        })
      : net.connect({ host: endpoint.host, port: endpoint.port, allowHalfOpen: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new DialError(`no connection within ${timeoutMs / 1000} s`, 'timeout'));
    }, timeoutMs);
    const abort = () => {
      clearTimeout(timer);
      socket.destroy();
      reject(new DialError('the dial was abandoned', 'other'));
    };
    options.signal?.addEventListener('abort', abort, { once: true });
    const fail = (err: Error) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', abort);
      socket.destroy();
      reject(describeDialError(err, endpoint));
    };
    socket.once('error', fail);
    socket.once(endpoint.secure ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', abort);
      socket.off('error', fail);
      socket.setNoDelay(true);
      resolve(socket);
    });
  });
}

export function describeDialError(err: Error, endpoint: Endpoint): DialError {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  switch (code) {
    case 'ECONNREFUSED':
      return new DialError('connection refused', 'refused');
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new DialError(`cannot resolve host "${endpoint.host}"`, 'dns');
    case 'ETIMEDOUT':
      return new DialError('connection timed out', 'timeout');
    case 'ECONNRESET':
      return new DialError('connection reset by the server', 'other');
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new DialError(`host ${endpoint.host} is unreachable`, 'other');
  }
  if (endpoint.secure && (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || /CERT|SELF_SIGNED|UNABLE_TO/.test(code))) {
    return new DialError(`TLS: ${err.message}`, 'tls');
  }
  return new DialError(err.message, 'other');
}
