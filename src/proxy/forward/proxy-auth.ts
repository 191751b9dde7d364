/**
 * Proxy authentication (`--proxy-auth USER:PASS`): HTTP Basic in the
 * Proxy-Authorization header (RFC 9110 11.7.2), compared in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Header } from '../../inspector/events.js';
import { headerValue } from '../../inspector/http-head.js';

export class ProxyAuth {
  private readonly expected: Buffer;

  /** `credentials` is "user:pass" as given on the command line. */
  constructor(credentials: string) {
    this.expected = digest(credentials);
  }

  /** Whether the request carries the right credentials. */
  accepts(headers: readonly Header[]): boolean {
    const value = headerValue(headers, 'proxy-authorization');
    const match = value === null ? null : /^basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(value);
    if (!match) return false;
    return timingSafeEqual(digest(Buffer.from(match[1]!, 'base64').toString('utf8')), this.expected);
  }
}

/** Digests of equal length, so the comparison leaks neither content nor length. */
function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
