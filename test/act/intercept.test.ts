/**
 * --intercept over loopback with `ws` peers (with and without
 * permessage-deflate): held messages are forwarded, edited, dropped or time
 * out; while one is held the other direction, other connections and the held
 * side's control frames keep flowing; and the inspector API drives it all
 * behind the guard.
 */
import { describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { parseFilter } from '../../src/filter/index.js';
import { Interceptor } from '../../src/proxy/interceptor.js';
import { onCleanup, once } from '../helpers/net.js';
import { request, startInspected } from '../ui/support.js';
import { pair, Received } from './peers.js';

const secretFilter = () => new Interceptor(parseFilter('client "secret"'), 60_000);

describe.each([false, true])('ws ⇄ proxy --intercept \'client "secret"\' ⇄ ws (permessage-deflate %s)', (deflate) => {
  test('forward, edit, drop: the server gets what the user chose; both peers keep decoding', async () => {
    const interceptor = secretFilter();
    const { client, server, atServer, atClient, log } = await pair(deflate, interceptor);
    const long = (word: string) => `${word} `.repeat(50); // compressible, so the deflate window matters
    client.send(long('before'));
    client.send('secret one');
    await log.next('held', (e) => e.id === 1);
    client.send(long('middle')); // waits behind the held message
    // Meanwhile the other direction flows, and the held side's ping still gets its pong.
    server.send(long('server talks'));
    await atClient.until(() => atClient.messages.length === 1, 'the server message while one is held');
    const pong = once<Buffer>(client, 'pong');
    client.ping('still there?');
    expect(String(await pong)).toBe('still there?');
    expect(atServer.texts()).toEqual([long('before')]);
    expect(interceptor.list()).toMatchObject([{ id: 1, conn: 1, from: 'client', kind: 'text', size: 10 }]);

    expect(interceptor.release(1, 'forward', null)).toBe(true);
    await atServer.until(() => atServer.messages.length === 3, 'the released messages');

    client.send('secret two');
    await log.next('held', (e) => e.id === 2);
    interceptor.release(2, 'edit', { kind: 'text', payload: Buffer.from('edited two') });
    client.send(`secret three ${long('before')}`);
    await log.next('held', (e) => e.id === 3);
    interceptor.release(3, 'drop', null);
    // Compressed with back-references across the dropped message into earlier ones: without the proxy
    // re-encoding them, the server's window (which never had the dropped message) would inflate them wrong.
    client.send(long('before'));
    client.send(long('middle'));
    await atServer.until(() => atServer.messages.length === 6, 'everything after the drop');
    expect(atServer.texts()).toEqual([long('before'), 'secret one', long('middle'), 'edited two', long('before'), long('middle')]);
    expect([...atServer.errors, ...atClient.errors]).toEqual([]);
    expect(log.of('released').map((e) => [e.id, e.action])).toEqual([
      [1, 'forward'],
      [2, 'edit'],
      [3, 'drop'],
    ]);
    expect(log.of('message').find((m) => m.injected)).toMatchObject({ text: 'edited two', from: 'client' });
    // The server's own compressed replies were never touched: they still decode at the client.
    server.send(long('server again'));
    await atClient.until(() => atClient.messages.length === 2, 'the server again');
  });
});

test('a held message times out and is forwarded unchanged; another connection flows meanwhile', async () => {
  const interceptor = new Interceptor(parseFilter('client "secret"'), 300);
  const { client, atServer, proxy, wss, log } = await pair(false, interceptor);
  client.send('secret');
  await log.next('held');
  const otherAtServer = once<WebSocket>(wss, 'connection');
  const other = new WebSocket(proxy.url);
  onCleanup(() => other.terminate());
  await once(other, 'open');
  const received = once<Buffer>(await otherAtServer, 'message');
  other.send('other connection');
  expect(String(await received)).toBe('other connection');
  await log.next('released', (e) => e.action === 'timeout', 10_000);
  await atServer.until(() => atServer.messages.length === 1, 'the timed-out message');
  expect(atServer.texts()).toEqual(['secret']);
});

test('a held message blocks its sender: what follows is read only up to a bound, then backpressure', async () => {
  const interceptor = secretFilter();
  const { client, atServer, proxy, log } = await pair(false, interceptor);
  client.send('secret');
  await log.next('held');
  const chunk = Buffer.alloc(256 * 1024, 7);
  for (let i = 0; i < 64; i++) client.send(chunk); // 16 MiB behind the held message
  // The client's own buffer fills up: the proxy stopped reading it.
  await new Promise<void>((resolve) => {
    const check = () => (client.bufferedAmount > 4 * 1024 * 1024 ? resolve() : setTimeout(check, 20));
    check();
  });
  expect(proxy.bufferedBytes()).toBeLessThan(8 * 1024 * 1024);
  interceptor.release(1, 'forward', null);
  await atServer.until(() => atServer.messages.length === 65, 'everything, once released', 30_000);
  expect(atServer.messages.slice(1).every((m) => m.data.equals(chunk))).toBe(true);
});

describe('the intercept routes of the inspector API', () => {
  test('PUT /api/intercept, GET /api/intercepted, POST /api/intercepted/:id; a foreign Origin gets 403 on each state change', async () => {
    const { proxy, inspector, log } = await startInspected();
    const evil = { origin: 'http://evil.example' };
    const put = (body: unknown, headers: Record<string, string> = {}) =>
      request(inspector, '/api/intercept', { method: 'PUT', headers, body: JSON.stringify(body) });
    expect((await put({ filter: 'text' }, evil)).status).toBe(403);
    expect(proxy.interceptor.active).toBe(false);
    const bad = await put({ filter: 'size>' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error).toMatch(/position/);
    expect(await put({ filter: 'client "hold me"' })).toMatchObject({ status: 200 });
    expect(await request(inspector, '/api/intercept')).toMatchObject({ status: 200, body: '{"filter":"client \\"hold me\\""}' });

    const ws = new WebSocket(proxy.url);
    onCleanup(() => ws.terminate());
    const atClient = new Received(ws);
    await once(ws, 'open');
    ws.send('hold me please');
    await log.next('held');
    const listed = JSON.parse((await request(inspector, '/api/intercepted')).body) as Array<Record<string, unknown>>;
    expect(listed).toMatchObject([{ id: 1, conn: 1, from: 'client', kind: 'text', size: 14, text: 'hold me please' }]);
    expect(typeof listed[0]!.heldAt).toBe('number');

    const release = (id: number, body: unknown, headers: Record<string, string> = {}) =>
      request(inspector, `/api/intercepted/${id}`, { method: 'POST', headers, body: JSON.stringify(body) });
    expect((await release(1, { action: 'forward' }, evil)).status).toBe(403);
    expect((await release(1, { action: 'explode' })).status).toBe(400);
    expect((await release(1, { action: 'edit' })).status).toBe(400);
    expect((await release(9, { action: 'forward' })).status).toBe(404);
    expect(await release(1, { action: 'edit', text: 'edited by the API' })).toMatchObject({ status: 200 });
    // The echo server answers the edited message.
    await atClient.until(() => atClient.messages.length === 1, 'the echo of the edit');
    expect(atClient.texts()).toEqual(['edited by the API']);
    expect(JSON.parse((await request(inspector, '/api/intercepted')).body)).toEqual([]);
    expect(await put({ filter: null })).toMatchObject({ status: 200 });
    expect(proxy.interceptor.active).toBe(false);
    expect(JSON.parse((await request(inspector, '/api/intercept')).body)).toEqual({ filter: null });
  });

  test('GET /api/intercept: the filter in force from proxy --intercept; a foreign Host 421, no token 401, the wrong method 405', async () => {
    const token = 'tok-' + 'z'.repeat(28);
    const { inspector } = await startInspected({ token, interceptor: new Interceptor(parseFilter('client "secret"')) });
    const get = (headers: Record<string, string>, method = 'GET') => request(inspector, '/api/intercept', { method, headers });
    const auth = { authorization: `Bearer ${token}` };
    const answer = await get(auth);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(answer.body)).toEqual({ filter: 'client "secret"' });
    expect((await get({ ...auth, host: 'evil.example' })).status).toBe(421);
    expect((await get({})).status).toBe(401);
    const wrong = await get(auth, 'DELETE');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe('GET, PUT');
  });
});
