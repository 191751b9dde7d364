/** A `ws` echo server on a free loopback port (no permessage-deflate), closed after the test. */
import type net from 'node:net';
import { WebSocketServer } from 'ws';
import { onCleanup, once } from './net.js';

export async function wsEcho(): Promise<number> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  server.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  await once(server, 'listening');
  onCleanup(() => new Promise<void>((r) => server.close(() => r())));
  return (server.address() as net.AddressInfo).port;
}
