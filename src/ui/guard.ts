/**
 * Who may talk to the inspector (a page that sees all traffic, and later
 * injects into it):
 * - Host must be the inspector's own address, else 421: a DNS-rebinding page
 *   (evil.example resolving to 127.0.0.1) sends its own name. Bound to a
 *   wildcard address (0.0.0.0, ::) any name is accepted and the token guards.
 * - bound to a non-loopback address, every request needs the token from the
 *   banner URL (`?token=`, then a cookie, or `Authorization: Bearer`), else 401.
 * - state-changing requests and WebSocket upgrades with an `Origin` other
 *   than the inspector's own get 403 (requests without Origin, from curl and
 *   scripts, are not cross-site and pass).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { formatAddress } from '../net/endpoint.js';

export type Verdict = { ok: true; setCookie?: string } | { ok: false; status: number; error: string };

export interface Guard {
  check(req: IncomingMessage, url: URL): Verdict;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The token a server bound to `host` needs: none on loopback, else a fresh random one. */
export function tokenFor(host: string): string | null {
  return isLoopback(host) ? null : randomBytes(24).toString('base64url');
}

export function createGuard(host: string, port: number, token: string | null): Guard {
  const names = isLoopback(host) ? ['127.0.0.1', 'localhost', '::1', host] : [host];
  const wildcard = host === '0.0.0.0' || host === '::';
  const allowed = new Set(names.flatMap((name) => [formatAddress(name, port), ...(port === 80 ? [formatAddress(name, port).replace(/:80$/, '')] : [])]));
  const cookieName = `wsinspect_token_${port}`;

  const tokenVerdict = (req: IncomingMessage, url: URL): Verdict => {
    if (token === null) return { ok: true };
    const fromQuery = url.searchParams.get('token');
    if (fromQuery !== null && same(fromQuery, token)) {
      return { ok: true, setCookie: `${cookieName}=${token}; Path=/; HttpOnly; SameSite=Strict` };
    }
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (bearer !== undefined && same(bearer, token)) return { ok: true };
    const cookie = cookieValue(req.headers.cookie, cookieName);
    if (cookie !== null && same(cookie, token)) return { ok: true };
    return { ok: false, status: 401, error: 'this inspector needs the token printed in its banner URL (?token=...)' };
  };

  return {
    check(req, url) {
      const hostHeader = (req.headers.host ?? '').toLowerCase();
      if (!wildcard && !allowed.has(hostHeader)) {
        return { ok: false, status: 421, error: `this inspector answers only as ${[...allowed][0]} (Host header was "${hostHeader}")` };
      }
      const verdict = tokenVerdict(req, url);
      if (!verdict.ok) return verdict;
      const origin = req.headers.origin;
      const changes = !SAFE_METHODS.has(req.method ?? 'GET') || req.headers.upgrade !== undefined;
      if (changes && origin !== undefined && origin !== `http://${hostHeader}`) {
        return { ok: false, status: 403, error: `cross-origin request refused (Origin ${origin})` };
      }
      return verdict;
    },
  };
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieValue(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}
