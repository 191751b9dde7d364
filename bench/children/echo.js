// The upstream for the proxy benchmarks: the project's uWebSockets.js echo server in
// its own process (so its CPU is not charged to the relay under test). Prints
// {"port": N} when listening. argv[2]: JSON options for startEchoServer.
import { startEchoServer } from '../../dist/echo/echo-server.js';

const options = JSON.parse(process.argv[2] ?? '{}');
const server = await startEchoServer({ host: '127.0.0.1', port: 0, ...options });
process.stdout.write(`${JSON.stringify({ port: server.port, pid: process.pid })}\n`);
const stop = async () => {
  await server.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
