/**
 * Which hosts forward mode serves and how, with patterns as mitmproxy's:
 * regular expressions searched, case-blind, in "host:port"
 * (`--allow-hosts '\.example\.com:443$'`). Pure.
 *
 * - allow: when given, only matching hosts are served (others get 403).
 * - ignore: tunnels to matching hosts are relayed untouched, not inspected.
 * - tlsPassthrough: TLS to matching hosts is not intercepted (pinned apps);
 *   the tunnel is relayed untouched.
 */
import { formatAddress } from '../../net/endpoint.js';

export interface HostPatterns {
  allow: RegExp[];
  ignore: RegExp[];
  tlsPassthrough: RegExp[];
}

export type TunnelHandling = 'refuse' | 'ignore' | 'inspect';

export class HostPolicy {
  constructor(private readonly patterns: HostPatterns) {}

  /** Whether the proxy may connect to host:port at all, and whether it looks inside. */
  handling(host: string, port: number): TunnelHandling {
    const subject = formatAddress(host, port);
    if (this.patterns.allow.length > 0 && !matches(this.patterns.allow, subject)) return 'refuse';
    return matches(this.patterns.ignore, subject) ? 'ignore' : 'inspect';
  }

  /** TLS to host:port is relayed as it is rather than intercepted. */
  passesTls(host: string, port: number): boolean {
    return matches(this.patterns.tlsPassthrough, formatAddress(host, port));
  }
}

/** Compiles one pattern; throws an Error naming it when it is not a regular expression. */
export function compileHostPattern(pattern: string): RegExp {
  try {
    return new RegExp(pattern, 'i');
  } catch (err) {
    throw new Error(`invalid host pattern "${pattern}": ${(err as Error).message}`);
  }
}

function matches(patterns: RegExp[], subject: string): boolean {
  return patterns.some((pattern) => pattern.test(subject));
}
