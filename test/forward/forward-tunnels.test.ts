/**
 * CONNECT tunnels and absolute-form relaying with raw peers: byte fidelity
 * both ways (plain and intercepted TLS), keep-alive HTTP before the upgrade,
 * the proxy's own answers (502 refused / unresolvable, 403, 407), and tunnels
 * relayed untouched (not TLS nor HTTP, a passthrough host, a server that
 * speaks first).
 */
import net from 'node:net';
import tls from 'node:tls';
import { describe, expect, test } from 'vitest';
import {
  checkWireOrder,
  closedPort,
  connectPeer,
  headEnd,
  Peer,
  Rng,
  sha256,
  startRawServer,
  testSeed,
  upgradeRequest,
  upgradeResponse,
  writeChopped,
  onCleanup,
  once,
  type RawServer,
} from '../helpers/net.js';
import { connectTunnel, serverCert, serverKey, startForwardProxy } from '../helpers/forward.js';
import { encodeFrame } from '../../src/inspector/frame-encoder.js';

/** A TLS server with the localhost certificate recording every plaintext byte, as startRawServer does in clear. */
async function startRawTlsServer(): Promise<RawServer> {
  const peers: Peer[] = [];
  const waiting = new Set<() => void>();
  const server = tls.createServer({ cert: serverCert, key: serverKey, allowHalfOpen: true }, (socket) => {
    peers.push(new Peer(socket));
    for (const wake of waiting) wake();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const close = () => new Promise<void>((r) => (peers.forEach((p) => p.socket.destroy()), server.close(() => r())));
  onCleanup(close);
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    url: `wss://localhost:${port}/`,
    peers,
    close,
    peer: (n = 0) =>
      new Promise<Peer>((resolve) => {
        const check = () => peers.length > n && (waiting.delete(check), resolve(peers[n]!));
        waiting.add(check);
        check();
      }),
  };
}

/** Client frames (masked) and server frames of random sizes, as whole byte streams. */
function frames(rng: Rng, masked: boolean, count: number): Buffer[] {
  let previous: Buffer | null = null;
  return Array.from({ length: count }, () => {
    const payload = rng.bytes(rng.pick([0, 1, 125, 126, 1000, 65536, 70000]));
    const mask = masked ? (previous = rng.maskKey(previous)) : undefined;
    return encodeFrame({ opcode: 2, payload, maskKey: mask });
  });
}

describe.each(['plain', 'tls'] as const)('a WebSocket through a CONNECT tunnel (%s)', (kind) => {
  test('every byte arrives unchanged both ways (SHA-256), and the frames are inspected', async () => {
    const { log, port, ca } = await startForwardProxy({ upstreamCa: serverCert });
    const upstream = kind === 'plain' ? await startRawServer() : await startRawTlsServer();
    const host = kind === 'plain' ? '127.0.0.1' : 'localhost';
    const tunnel = await connectTunnel(port, `${host}:${upstream.port}`);
    expect(tunnel.status).toBe(200);
    tunnel.socket.resume();
    const socket = kind === 'plain' ? tunnel.socket : tls.connect({ socket: tunnel.socket, servername: host, ca: ca.certificatePem });
    if (kind === 'tls') await once(socket, 'secureConnect');
    const client = new Peer(socket);

    const request = upgradeRequest(`${host}:${upstream.port}`);
    socket.write(request);
    const server = await upstream.peer();
    await server.until(() => headEnd(server.bytes()) !== -1, 'the upgrade request');
    expect(server.bytes().equals(request)).toBe(true);
    server.socket.write(upgradeResponse());
    await client.until(() => headEnd(client.bytes()) !== -1, 'the 101');

    const rng = new Rng(testSeed(1414));
    const toServer = frames(rng, true, 40);
    const toClient = frames(rng, false, 40);
    server.restartDigest();
    client.restartDigest();
    const upTotal = toServer.reduce((n, f) => n + f.length, 0);
    const downTotal = toClient.reduce((n, f) => n + f.length, 0);
    await Promise.all([writeChopped(socket as net.Socket, toServer, rng), writeChopped(server.socket, toClient, rng)]);
    await server.untilBytes(server.digestFrom + upTotal);
    await client.untilBytes(client.digestFrom + downTotal);
    expect(server.digest(), `seed ${rng.seed}`).toBe(sha256(toServer));
    expect(client.digest(), `seed ${rng.seed}`).toBe(sha256(toClient));

    await log.until(() => log.of('message').length === 80, 'all 80 messages');
    expect(log.of('connection')[0]!.upstream).toBe(`${kind === 'plain' ? 'ws' : 'wss'}://${host}:${upstream.port}/`);
    expect(log.of('violation').filter((v) => v.severity === 'error')).toEqual([]);
    socket.end();
    server.socket.end();
    await log.end(1);
    checkWireOrder(log.forConn(1));
  });
});

test('absolute-form: keep-alive HTTP before the upgrade, each request in origin-form without proxy headers', async () => {
  const { log, port } = await startForwardProxy({ proxyAuth: 'me:secret' });
  const upstream = await startRawServer();
  const authority = `127.0.0.1:${upstream.port}`;
  const client = await connectPeer(port);
  const auth = `Proxy-Authorization: Basic ${Buffer.from('me:secret').toString('base64')}\r\n`;
  client.socket.write(`GET http://${authority}/page?x=1 HTTP/1.1\r\nHost: ${authority}\r\n${auth}Proxy-Connection: keep-alive\r\n\r\n`);
  const server = await upstream.peer();
  await server.untilText('\r\n\r\n');
  expect(server.bytes().toString('latin1')).toBe(`GET /page?x=1 HTTP/1.1\r\nHost: ${authority}\r\n\r\n`);
  server.socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello');
  await client.untilText('hello');

  const before = server.received;
  client.socket.write(Buffer.from(upgradeRequest(authority, `http://${authority}/chat`)));
  await server.until(() => headEnd(server.bytes().subarray(before)) !== -1, 'the upgrade on the same connection');
  expect(server.bytes().subarray(before).equals(upgradeRequest(authority, '/chat'))).toBe(true);
  server.socket.write(upgradeResponse());
  await log.next('handshake-response');
  expect(upstream.peers).toHaveLength(1); // one connection for both requests
  expect(log.of('http')).toMatchObject([{ method: 'GET', status: 200 }]);
  expect(log.of('connection')).toMatchObject([{ upstream: `ws://${authority}/` }]);
});

test('absolute-form: a request for another host on the same connection closes it, reported', async () => {
  const { log, port } = await startForwardProxy();
  const upstream = await startRawServer();
  const client = await connectPeer(port);
  client.socket.write(`GET http://127.0.0.1:${upstream.port}/ HTTP/1.1\r\nHost: 127.0.0.1:${upstream.port}\r\n\r\n`);
  const server = await upstream.peer();
  await server.untilText('\r\n\r\n');
  server.socket.write('HTTP/1.1 204 No Content\r\n\r\n');
  await client.untilText('204');
  client.socket.write(`GET http://127.0.0.2:${upstream.port}/ HTTP/1.1\r\nHost: 127.0.0.2:${upstream.port}\r\n\r\n`);
  await client.untilEnd();
  expect((await log.next('error')).message).toMatch(/asked for http:\/\/127\.0\.0\.2:\d+\/ on a connection to another host/);
  expect(server.bytes().toString('latin1')).not.toContain('127.0.0.2');
});

test('CONNECT to a port that refuses: 502 saying so', async () => {
  const { log, port } = await startForwardProxy();
  const dead = await closedPort();
  const tunnel = await connectTunnel(port, `127.0.0.1:${dead}`);
  expect(tunnel.status).toBe(502);
  expect(tunnel.rest.toString()).toMatch(/connection refused/);
  expect(log.of('connection')[0]).toMatchObject({ upstream: `tcp://127.0.0.1:${dead}` });
  expect((await log.next('error')).message).toBe(`upstream 127.0.0.1:${dead}: connection refused`);
});

test('CONNECT to a name that does not resolve: 502 naming it', async () => {
  const { log, port } = await startForwardProxy();
  const tunnel = await connectTunnel(port, 'no-such-host.invalid:443');
  expect(tunnel.status).toBe(502);
  expect(tunnel.rest.toString()).toMatch(/cannot resolve host "no-such-host\.invalid"/);
  await log.end(1);
});

test('a tunnel that is neither TLS nor HTTP is relayed untouched and reported as opaque', async () => {
  const { log, port } = await startForwardProxy();
  const upstream = await startRawServer();
  const tunnel = await connectTunnel(port, `127.0.0.1:${upstream.port}`);
  expect(tunnel.status).toBe(200);
  const client = new Peer(tunnel.socket);
  tunnel.socket.resume();
  const up = Buffer.from('\x00\x01binary protocol\xff\r\n', 'latin1');
  tunnel.socket.write(up);
  const server = await upstream.peer();
  await server.untilBytes(up.length);
  expect(server.bytes().equals(up)).toBe(true);
  server.socket.write('reply\x00');
  await client.untilBytes(6);
  expect(client.bytes().toString('latin1')).toBe('reply\x00');
  expect(log.of('connection')[0]).toMatchObject({ upstream: `tcp://127.0.0.1:${upstream.port}`, tunnel: 'opaque' });
  tunnel.socket.end();
  server.socket.end();
  await log.end(1);
  expect(log.forConn(1).map((e) => e.type)).toEqual(['connection', 'connection-end']);
});

test('a server that speaks first makes the tunnel opaque', async () => {
  const { log, port } = await startForwardProxy();
  const upstream = await startRawServer((peer) => peer.socket.write('220 smtp ready\r\n'));
  const tunnel = await connectTunnel(port, `127.0.0.1:${upstream.port}`);
  const client = new Peer(tunnel.socket);
  tunnel.socket.resume();
  await client.untilText('220 smtp ready\r\n');
  expect((await log.next('connection')).tunnel).toBe('opaque');
});

test('TLS to a --tls-passthrough host is not intercepted: the client sees the real certificate', async () => {
  const { log, port } = await startForwardProxy({ patterns: { tlsPassthrough: ['^localhost:'] } });
  const upstream = await startRawTlsServer();
  const tunnel = await connectTunnel(port, `localhost:${upstream.port}`);
  const socket = tls.connect({ socket: tunnel.socket, servername: 'localhost', ca: serverCert });
  await once(socket, 'secureConnect');
  expect(socket.getPeerCertificate().fingerprint256).toBe(new (await import('node:crypto')).X509Certificate(serverCert).fingerprint256);
  socket.write('inside');
  const server = await upstream.peer();
  await server.untilText('inside');
  expect((await log.next('connection')).tunnel).toBe('tls-passthrough');
});

test('--allow-hosts: other hosts get 403; --ignore-hosts: relayed uninspected', async () => {
  const upstream = await startRawServer();
  const { log, port } = await startForwardProxy({ patterns: { allow: ['^localhost:'], ignore: ['^localhost:'] } });
  const refused = await connectTunnel(port, `127.0.0.1:${upstream.port}`);
  expect(refused.status).toBe(403);
  expect((await log.next('error')).message).toMatch(/not in --allow-hosts/);
  const ignored = await connectTunnel(port, `localhost:${upstream.port}`);
  expect(ignored.status).toBe(200);
  ignored.socket.resume();
  ignored.socket.write(upgradeRequest(`localhost:${upstream.port}`));
  await (await upstream.peer()).untilText('\r\n\r\n');
  expect(log.of('connection')[1]).toMatchObject({ tunnel: 'ignored' });
  expect(log.of('handshake-request')).toEqual([]);
});

test('--proxy-auth: 407 with a Basic challenge without the credentials, 200 with them', async () => {
  const upstream = await startRawServer();
  const { port } = await startForwardProxy({ proxyAuth: 'me:secret' });
  const denied = await connectTunnel(port, `127.0.0.1:${upstream.port}`);
  expect(denied.status).toBe(407);
  expect(denied.answer).toMatch(/\r\nProxy-Authenticate: Basic realm="wsinspect"\r\n/);
  const wrong = await connectTunnel(port, `127.0.0.1:${upstream.port}`, [`Proxy-Authorization: Basic ${Buffer.from('me:guess').toString('base64')}`]);
  expect(wrong.status).toBe(407);
  const allowed = await connectTunnel(port, `127.0.0.1:${upstream.port}`, [`Proxy-Authorization: Basic ${Buffer.from('me:secret').toString('base64')}`]);
  expect(allowed.status).toBe(200);
});
