/**
 * A WebSocket or HTTP endpoint given as a URL (ws, wss, http, https): where to
 * connect, whether to speak TLS, and the authority for the Host header.
 */
export interface Endpoint {
  /** The URL as the user gave it, normalised by WHATWG URL parsing. */
  url: string;
  secure: boolean;
  /** Host name or address to connect to; IPv6 without brackets. */
  host: string;
  port: number;
  /** host[:port] as it goes in a Host header (port omitted when it is the scheme's default). */
  authority: string;
  /** Path and query, "/" at least. */
  path: string;
}

const SCHEMES: Record<string, { secure: boolean; port: number }> = {
  'ws:': { secure: false, port: 80 },
  'http:': { secure: false, port: 80 },
  'wss:': { secure: true, port: 443 },
  'https:': { secure: true, port: 443 },
};

/** Parses an endpoint URL; throws an Error with a one-line message when it is not one. */
export function parseEndpoint(text: string): Endpoint {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`not a URL: "${text}" (expected ws://, wss://, http:// or https://)`);
  }
  const scheme = SCHEMES[url.protocol];
  if (!scheme) throw new Error(`unsupported scheme "${url.protocol}" in ${text} (expected ws://, wss://, http:// or https://)`);
  if (!url.hostname) throw new Error(`no host in ${text}`);
  const port = url.port ? Number(url.port) : scheme.port;
  return {
    url: url.href,
    secure: scheme.secure,
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    authority: url.host,
    path: `${url.pathname || '/'}${url.search}`,
  };
}

/** "ip:port", with IPv6 as "[::1]:port" (the contract's `client` field). */
export function formatAddress(address: string | undefined, port: number | undefined): string {
  const host = address?.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : (address ?? '?');
  const shownPort = port ?? '?'; // a client gone before it was accepted has neither
  return host.includes(':') ? `[${host}]:${shownPort}` : `${host}:${shownPort}`;
}
