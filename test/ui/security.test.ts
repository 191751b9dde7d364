/**
 * The inspector sees all traffic: it answers only to its own Host (DNS
 * rebinding), refuses cross-origin WebSocket upgrades and state-changing
 * requests, needs the banner's token when bound beyond loopback, and sends a
 * strict Content-Security-Policy with every response.
 */
import { describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { isLoopback, tokenFor } from '../../src/ui/guard.js';
import { once } from '../helpers/net.js';
import { request, startInspected } from './support.js';

/** The status of a WebSocket upgrade to /api/events (101 when accepted). */
async function upgradeStatus(port: number, headers: Record<string, string>, path = '/api/events'): Promise<number> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers });
  ws.on('error', () => {});
  const status = await Promise.race([
    once(ws, 'open').then(() => 101),
    new Promise<number>((resolve) => ws.once('unexpected-response', (_req, res) => resolve(res.statusCode!))),
  ]);
  ws.terminate();
  return status;
}

describe('inspector security', () => {
  test('a foreign Host gets 421 (DNS rebinding); its own names pass', async () => {
    const { inspector } = await startInspected();
    const port = inspector.port;
    for (const host of ['evil.example', `evil.example:${port}`, `127.0.0.1:${port + 1}`, '127.0.0.1']) {
      for (const path of ['/', '/api/connections', '/api/export.har']) {
        const reply = await request(inspector, path, { headers: { host } });
        expect(reply.status, `${host} ${path}`).toBe(421);
        expect(JSON.parse(reply.body)).toEqual({ error: expect.stringContaining('answers only as') });
      }
    }
    expect(await upgradeStatus(port, { host: `rebound.example:${port}` })).toBe(421);
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`]) {
      expect((await request(inspector, '/api/connections', { headers: { host } })).status, host).toBe(200);
    }
  });

  test('a foreign Origin gets 403 on WebSocket upgrades and state-changing requests', async () => {
    const { inspector } = await startInspected();
    const port = inspector.port;
    for (const origin of ['http://evil.example', `http://127.0.0.1:${port + 1}`, `https://127.0.0.1:${port}`, 'null']) {
      expect(await upgradeStatus(port, { origin }), origin).toBe(403);
      const post = await request(inspector, '/api/connections', { method: 'POST', headers: { origin } });
      expect(post.status, origin).toBe(403);
      expect(JSON.parse(post.body)).toEqual({ error: expect.stringContaining('cross-origin') });
    }
    expect(await upgradeStatus(port, { origin: `http://127.0.0.1:${port}` })).toBe(101);
    expect(await upgradeStatus(port, {})).toBe(101); // scripts send no Origin
    // Reads are not state-changing: a cross-origin GET is answered (the browser keeps the body from the foreign page).
    expect((await request(inspector, '/api/connections', { headers: { origin: 'http://evil.example' } })).status).toBe(200);
    expect(await upgradeStatus(port, {}, '/elsewhere')).toBe(404);
  });

  test('with a token (bound beyond loopback): 401 without it; ?token= sets a cookie; the cookie or a Bearer header then work', async () => {
    const token = 'tok-' + 'x'.repeat(28);
    const { inspector } = await startInspected({ token });
    expect(inspector.url).toBe(`http://127.0.0.1:${inspector.port}/?token=${token}`);
    for (const path of ['/', '/api/connections', '/assets/inspector.js', '/api/export.ndjson']) {
      const reply = await request(inspector, path);
      expect(reply.status, path).toBe(401);
      expect(JSON.parse(reply.body)).toEqual({ error: expect.stringContaining('token') });
    }
    expect((await request(inspector, '/?token=wrong')).status).toBe(401);
    expect((await request(inspector, '/api/connections', { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect(await upgradeStatus(inspector.port, {})).toBe(401);

    const first = await request(inspector, `/?token=${token}`);
    expect(first.status).toBe(200);
    const cookie = String(first.headers['set-cookie']).split(';')[0]!;
    expect(first.headers['set-cookie']?.[0]).toMatch(/HttpOnly; SameSite=Strict/);
    expect((await request(inspector, '/api/connections', { headers: { cookie } })).status).toBe(200);
    expect((await request(inspector, '/api/connections', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect(await upgradeStatus(inspector.port, { cookie })).toBe(101);
  });

  test('a token is made for non-loopback addresses only', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) {
      expect(isLoopback(host)).toBe(true);
      expect(tokenFor(host)).toBeNull();
    }
    const tokens = ['0.0.0.0', '192.168.1.5', '::'].map(tokenFor);
    for (const token of tokens) expect(token).toMatch(/^[\w-]{32}$/);
    expect(new Set(tokens).size).toBe(3);
  });

  test('every response carries a strict CSP (no inline script, no remote origins) and nosniff', async () => {
    const { inspector } = await startInspected();
    for (const [path, host] of [['/', undefined], ['/api/connections', undefined], ['/nope', undefined], ['/', 'evil.example']] as const) {
      const reply = await request(inspector, path, host ? { headers: { host } } : {});
      const csp = String(reply.headers['content-security-policy']);
      expect(csp, path).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self';");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
      expect(reply.headers['x-content-type-options']).toBe('nosniff');
    }
  });
});
