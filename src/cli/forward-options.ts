/**
 * The forward-mode flags of `wsinspect proxy` (--mode, --allow-hosts,
 * --ignore-hosts, --tls-passthrough, --proxy-auth) and the rule that keeps a
 * forward proxy from ever being an open one: bound to a non-loopback address,
 * it needs --allow-hosts or --proxy-auth.
 */
import { isIP } from 'node:net';
import type { Command } from 'commander';
import { HostPolicy, compileHostPattern } from '../proxy/forward/host-policy.js';
import { ProxyAuth } from '../proxy/forward/proxy-auth.js';
import { UsageError } from './errors.js';

export interface ForwardCliOptions {
  mode?: string;
  allowHosts?: string[];
  ignoreHosts?: string[];
  tlsPassthrough?: string[];
  proxyAuth?: string;
}

export const MODE_HELP = `
Modes:
  reverse (the default, and what --upstream means): clients connect to the
    proxy as if it were the server; every connection goes to the one upstream.
  forward (--mode forward): an HTTP proxy (point a browser or HTTP_PROXY at
    it) for any host. ws:// and plain HTTP are inspected; wss:// is
    intercepted with a local CA that the client must trust (wsinspect ca);
    anything else in a CONNECT tunnel is relayed untouched. WebSocket over
    HTTP/2 (RFC 8441) is not inspected yet: ALPN offers http/1.1 only.
  Host patterns are regular expressions matched against "host:port", as
  mitmproxy's: --allow-hosts '\\.example\\.com:443$'. Repeat a flag for more.
`;

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerForwardOptions(command: Command): Command {
  return command
    .option('--mode <mode>', 'reverse (default: a fixed upstream) or forward (an HTTP proxy for any host)')
    .option('--allow-hosts <pattern>', 'forward: serve only hosts whose host:port matches (others get 403)', collect)
    .option('--ignore-hosts <pattern>', 'forward: relay tunnels to matching hosts untouched, uninspected', collect)
    .option('--tls-passthrough <pattern>', 'forward: do not intercept TLS to matching hosts (pinned apps)', collect)
    .option('--proxy-auth <user:pass>', 'forward: require these proxy credentials (HTTP Basic; 407 without)');
}

export interface ForwardSettings {
  policy: HostPolicy;
  auth: ProxyAuth | null;
}

/** The forward settings, or null in reverse mode; usage errors for flags that do not fit the mode. */
export function parseForwardOptions(given: ForwardCliOptions, listenHost: string, upstreamGiven: boolean): ForwardSettings | null {
  const options = { ...given, allowHosts: given.allowHosts ?? [], ignoreHosts: given.ignoreHosts ?? [], tlsPassthrough: given.tlsPassthrough ?? [] };
  const mode = options.mode ?? 'reverse';
  if (mode !== 'forward' && mode !== 'reverse') throw new UsageError(`invalid --mode "${mode}": expected forward or reverse`);
  const forwardFlags = [
    ['--allow-hosts', options.allowHosts.length > 0],
    ['--ignore-hosts', options.ignoreHosts.length > 0],
    ['--tls-passthrough', options.tlsPassthrough.length > 0],
    ['--proxy-auth', options.proxyAuth !== undefined],
  ] as const;
  if (mode === 'reverse') {
    const stray = forwardFlags.find(([, given]) => given);
    if (stray) throw new UsageError(`${stray[0]} needs --mode forward`);
    return null;
  }
  if (upstreamGiven) throw new UsageError('--upstream is for reverse mode; in forward mode each client names its host');
  if (options.proxyAuth !== undefined && !/^[^:]+:.+$/.test(options.proxyAuth)) {
    throw new UsageError('invalid --proxy-auth: expected USER:PASS');
  }
  if (!isLoopback(listenHost) && options.allowHosts.length === 0 && options.proxyAuth === undefined) {
    throw new UsageError(`forward mode on ${listenHost} (not loopback) would be an open proxy: add --allow-hosts PATTERN or --proxy-auth USER:PASS`);
  }
  const compile = (patterns: string[]) =>
    patterns.map((pattern) => {
      try {
        return compileHostPattern(pattern);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
    });
  return {
    policy: new HostPolicy({ allow: compile(options.allowHosts), ignore: compile(options.ignoreHosts), tlsPassthrough: compile(options.tlsPassthrough) }),
    auth: options.proxyAuth === undefined ? null : new ProxyAuth(options.proxyAuth),
  };
}

function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}
