/**
 * The request targets a forward proxy is sent (RFC 9112 3.2): absolute-form
 * (`GET http://host:8080/path HTTP/1.1`) names the host in the request line;
 * authority-form (`CONNECT host:443`) asks for a tunnel. Pure parsing.
 */
import { isIP } from 'node:net';

export interface Target {
  /** Host name (lower case) or IP address (IPv6 without brackets). */
  host: string;
  port: number;
  /** host[:port] as it goes in a Host header or a URL (brackets for IPv6, default port omitted). */
  authority: string;
}

export interface AbsoluteTarget extends Target {
  /** The origin-form the origin server is sent: path and query, "/" at least. */
  path: string;
}

/**
 * `http://host[:port]/path` (or ws://, as some clients send for WebSocket);
 * null when the target is origin-form or anything else. https:// is not
 * relayed in absolute-form: clients use CONNECT for it.
 */
export function parseAbsoluteTarget(target: string): AbsoluteTarget | null {
  if (!/^(http|ws):\/\//i.test(target)) return null;
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return null;
  }
  if (!url.hostname || url.username || url.password) return null;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return { host, port: url.port ? Number(url.port) : 80, authority: url.host, path: `${url.pathname || '/'}${url.search}` };
}

/** `host:port` of a CONNECT (the port is required); null when malformed. */
export function parseConnectTarget(target: string): Target | null {
  // Host names in letters, digits, '-', '_' and '.': nothing a terminal or a log could misread.
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9._-]+)):(\d{1,5})$/.exec(target);
  if (!match) return null;
  const host = (match[1] ?? match[2]!).toLowerCase();
  const port = Number(match[3]);
  if (port < 1 || port > 65535) return null;
  if (match[1] !== undefined && isIP(host) !== 6) return null;
  const shown = isIP(host) === 6 ? `[${host}]` : host;
  return { host, port, authority: `${shown}:${port}` };
}

/** Headers meant for the proxy, never passed on (RFC 9110 7.6.1 hop-by-hop, 11.7.2). */
const PROXY_HEADERS = /^proxy-(authorization|connection)\s*:/i;

/**
 * The head as the origin server gets it: the request line's target in
 * origin-form, Proxy-Authorization and Proxy-Connection dropped, every other
 * byte as the client sent it.
 */
export function originFormHead(raw: Uint8Array, path: string): Buffer {
  const lines = Buffer.from(raw.buffer, raw.byteOffset, raw.length).toString('latin1').split(/(?<=\n)/);
  const start = lines.findIndex((line) => line.trim() !== '');
  lines[start] = lines[start]!.replace(/^(\S+) +\S+/, (_, method: string) => `${method} ${path}`);
  const kept: string[] = lines.slice(0, start + 1);
  let dropping = false;
  for (const line of lines.slice(start + 1)) {
    // A line starting with a space or tab continues the previous header (obsolete folding).
    if (!/^[ \t]/.test(line)) dropping = PROXY_HEADERS.test(line);
    if (!dropping) kept.push(line);
  }
  return Buffer.from(kept.join(''), 'latin1');
}
