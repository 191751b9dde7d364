// Baseline (b): a plain TCP relay. Each client socket is piped to a fresh upstream
// socket and back (stream.pipe: backpressure both ways, no parsing, no copies beyond
// what net does). argv: LISTEN_PORT UPSTREAM_PORT. Prints {"port": N} when listening.
import net from 'node:net';

const listenPort = Number(process.argv[2] ?? 0);
const upstreamPort = Number(process.argv[3]);
const server = net.createServer({ allowHalfOpen: true }, (client) => {
  const upstream = net.connect({ port: upstreamPort, host: '127.0.0.1', allowHalfOpen: true });
  client.setNoDelay(true);
  upstream.setNoDelay(true);
  client.pipe(upstream);
  upstream.pipe(client);
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
  client.on('close', () => upstream.destroy());
  upstream.on('close', () => client.destroy());
});
server.listen(listenPort, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port, pid: process.pid })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
