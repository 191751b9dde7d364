// A stand-in for the inspector page following a proxy under load: connects to
// the inspector's live WebSocket (argv: URL) and takes every message as it
// comes (counting, not parsing: a real page parses in the browser's process,
// and parsing here would steal CPU from the load generator it shares CPU 0 with).
// Prints {"ready": true} once connected; on SIGTERM prints what it got.
import WebSocket from 'ws';

// Nor does it check the UTF-8 of what it only counts (a browser does, in its own process).
const ws = new WebSocket(process.argv[2], { skipUTF8Validation: true });
let messages = 0;
let bytes = 0;
ws.on('open', () => process.stdout.write(`${JSON.stringify({ ready: true })}\n`));
ws.on('message', (data) => {
  messages++;
  bytes += data.length;
});
ws.on('error', (err) => {
  process.stderr.write(`follower: ${err.message}\n`);
  process.exit(1);
});
process.on('SIGTERM', () => {
  process.stderr.write(`follower: ${messages} messages, ${bytes} bytes\n`);
  process.exit(0);
});
