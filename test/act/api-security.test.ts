/**
 * The acting routes behind the inspector's own guard: a foreign Origin or
 * Host is refused before anything reaches the traffic, the page's own Origin
 * and scripts without one get through.
 */
import { describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { CAPTURE_REFUSAL } from '../../src/act/api.js';
import { EventStore } from '../../src/ui/event-store.js';
import { startInspectorServer } from '../../src/ui/server.js';
import { onCleanup, once } from '../helpers/net.js';
import { request, startInspected } from '../ui/support.js';

describe('POST /api/connections/:conn/send through the inspector server', () => {
  test('403 for a foreign Origin, 421 for a foreign Host (nothing sent); 202 from the page or a script', async () => {
    const { proxy, inspector, log } = await startInspected();
    const ws = new WebSocket(proxy.url, { perMessageDeflate: false });
    onCleanup(() => ws.terminate());
    await once(ws, 'open');
    const received: string[] = [];
    ws.on('message', (data) => received.push(String(data)));
    const post = (headers: Record<string, string>, text: string) =>
      request(inspector, '/api/connections/1/send', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ to: 'client', type: 'text', text }),
      });

    for (const origin of ['http://evil.example', `http://127.0.0.1:${inspector.port + 1}`, 'null']) {
      const refused = await post({ origin }, 'from evil');
      expect(refused.status, origin).toBe(403);
    }
    expect((await post({ host: 'evil.example' }, 'rebound')).status).toBe(421);
    expect((await post({ origin: `http://127.0.0.1:${inspector.port}` }, 'from the page')).status).toBe(202);
    expect((await post({}, 'from a script')).status).toBe(202);
    await new Promise<void>((resolve) => (received.length === 2 ? resolve() : ws.on('message', () => received.length === 2 && resolve())));
    expect(received).toEqual(['from the page', 'from a script']);
    expect(log.of('message').filter((m) => m.injected).map((m) => m.text)).toEqual(['from the page', 'from a script']);

    expect((await request(inspector, '/api/connections/1/send', { method: 'POST', body: '{not json' })).status).toBe(400);
    expect((await request(inspector, '/api/connections/1/send')).status).toBe(405);
    expect((await request(inspector, '/api/connections/99/send', { method: 'POST', body: '{"to":"server","type":"ping"}' })).status).toBe(404);
    ws.close();
    await log.end(1);
    const late = await request(inspector, '/api/connections/1/send', { method: 'POST', body: '{"to":"server","type":"ping"}' });
    expect(late.status).toBe(409);
  });
});

/** Every state-changing acting route, with a body that would act. */
const ACTING = [
  { method: 'POST', path: '/api/connections/1/send', body: { to: 'server', type: 'text', text: 'sneaked in' } },
  { method: 'POST', path: '/api/connections/1/replay', body: { compare: 'count' } },
  { method: 'PUT', path: '/api/intercept', body: { filter: 'client' } },
  { method: 'POST', path: '/api/intercepted/1', body: { action: 'drop' } },
];

describe('every state-changing acting route is guarded', () => {
  test('a foreign Host (421), a foreign Origin (403) and, bound beyond loopback, a missing token (401) act on nothing', async () => {
    const token = 'tok-' + 'y'.repeat(28);
    const { proxy, inspector, log } = await startInspected({ token });
    const ws = new WebSocket(proxy.url, { perMessageDeflate: false });
    onCleanup(() => ws.terminate());
    await once(ws, 'open');
    const auth = { authorization: `Bearer ${token}` };
    for (const { method, path, body } of ACTING) {
      const send = (headers: Record<string, string>) => request(inspector, path, { method, headers, body: JSON.stringify(body) });
      expect((await send({ ...auth, host: 'evil.example' })).status, path).toBe(421);
      expect((await send({ ...auth, origin: 'http://evil.example' })).status, path).toBe(403);
      expect((await send({})).status, path).toBe(401);
      expect((await send({ authorization: 'Bearer wrong' })).status, path).toBe(401);
    }
    // Nothing reached the traffic: no injected frame, no replay connection, no filter set.
    expect(log.of('frame').filter((f) => f.injected)).toEqual([]);
    expect(log.of('connection').map((c) => c.conn)).toEqual([1]);
    expect(proxy.interceptor.active).toBe(false);
    // With the token, the same requests act (the guard, not the route, refused them).
    const replayed = await request(inspector, '/api/connections/1/replay', { method: 'POST', headers: auth, body: '{"compare":"count"}' });
    expect(replayed.status).toBe(200);
    expect(log.of('connection').map((c) => c.conn)).toEqual([1, 2]);
  });
});

describe('a saved capture (read --ui): no live proxy to act on', () => {
  test('GET /api/stats says live: false; every acting route answers 409 saying why; a wrong method is still 405', async () => {
    const inspector = await startInspectorServer({ host: '127.0.0.1', port: 0, store: new EventStore() });
    onCleanup(() => inspector.close());
    expect(JSON.parse((await request(inspector, '/api/stats')).body)).toMatchObject({ live: false, events: 0 });
    const reads = [{ method: 'GET', path: '/api/intercept', body: undefined }, { method: 'GET', path: '/api/intercepted', body: undefined }];
    for (const { method, path, body } of [...ACTING, ...reads]) {
      const answer = await request(inspector, path, { method, body: body && JSON.stringify(body) });
      expect(answer.status, path).toBe(409);
      expect(JSON.parse(answer.body), path).toEqual({ error: CAPTURE_REFUSAL });
    }
    const wrong = await request(inspector, '/api/intercepted', { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe('GET');
  });

  test('with a live proxy GET /api/stats says live: true', async () => {
    const { inspector } = await startInspected();
    expect(JSON.parse((await request(inspector, '/api/stats')).body)).toMatchObject({ live: true });
  });
});
