// A raw WebSocket sender and sink for the memory benchmark: frames are written
// straight to a TCP socket in chunks (a 1 GiB message is never a 1 GiB Buffer), and
// the sink answers the handshake and then only counts bytes.
import net from 'node:net';
import { createHash, randomBytes } from 'node:crypto';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** A server that answers every WebSocket handshake with 101 and then counts (and drops) bytes. */
export function startSink({ deflate = false } = {}) {
  const sessions = [];
  const api = { port: 0, sessions, expected: Infinity, close: null };
  const server = net.createServer((socket) => {
    // `expected`: bytes after the handshake (frames and the close); the sink answers the close after them.
    const session = { bytes: 0, expected: api.expected, done: null };
    session.finished = new Promise((r) => (session.done = r));
    let head = Buffer.alloc(0);
    let upgraded = false;
    socket.on('data', (chunk) => {
      if (!upgraded) {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        const text = head.subarray(0, end).toString('latin1');
        const key = /^sec-websocket-key:\s*(\S+)/im.exec(text)?.[1] ?? '';
        const offered = /^sec-websocket-extensions:.*permessage-deflate/im.test(text);
        const accept = createHash('sha1').update(key + GUID).digest('base64');
        socket.write(
          'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
            `Sec-WebSocket-Accept: ${accept}\r\n` +
            (deflate && offered ? 'Sec-WebSocket-Extensions: permessage-deflate\r\n' : '') +
            '\r\n',
        );
        upgraded = true;
        sessions.push(session); // only handshakes count (a port probe connects and leaves)
        chunk = head.subarray(end + 4);
      }
      session.bytes += chunk.length;
      if (session.bytes >= session.expected && !session.replied) {
        session.replied = true;
        socket.end(Buffer.from([0x88, 0x02, 0x03, 0xe8])); // close 1000, unmasked (server)
      }
    });
    socket.on('close', () => session.done());
    socket.on('error', () => {});
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      api.port = server.address().port;
      api.close = () => new Promise((r) => server.close(r));
      resolve(api);
    });
  });
}

/** Header of a client (masked) frame. */
export function frameHeader({ opcode, length, maskKey, fin = true, rsv1 = false }) {
  const bits = length < 126 ? 7 : length < 65536 ? 16 : 64;
  const h = Buffer.alloc(2 + (bits === 16 ? 2 : bits === 64 ? 8 : 0) + 4);
  h[0] = (fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode;
  let at = 2;
  if (bits === 7) h[1] = 0x80 | length;
  else if (bits === 16) {
    h[1] = 0x80 | 126;
    h.writeUInt16BE(length, 2);
    at = 4;
  } else {
    h[1] = 0x80 | 127;
    h.writeBigUInt64BE(BigInt(length), 2);
    at = 10;
  }
  maskKey.copy(h, at);
  return h;
}

/** The masked close frame a client sends at the end (1000). */
export function clientClose() {
  const key = randomBytes(4);
  const payload = Buffer.from([0x03, 0xe8]);
  return Buffer.concat([frameHeader({ opcode: 8, length: 2, maskKey: key }), Buffer.from([payload[0] ^ key[0], payload[1] ^ key[1]])]);
}

/**
 * Connects to `port`, does the handshake (offering permessage-deflate when asked),
 * then writes every buffer `pieces()` yields, honouring backpressure, then a close
 * frame; resolves with the byte count once the peer's close came back.
 */
export function rawSend({ port, deflate = false, pieces }) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', reject);
    let head = Buffer.alloc(0);
    let upgraded = false;
    let sent = 0;
    socket.once('connect', () => {
      socket.write(
        `GET /bench HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n` +
          (deflate ? 'Sec-WebSocket-Extensions: permessage-deflate\r\n' : '') +
          '\r\n',
      );
    });
    const pump = async () => {
      for (const piece of pieces()) {
        sent += piece.length;
        if (!socket.write(piece)) await new Promise((r) => socket.once('drain', r));
      }
      const close = clientClose();
      sent += close.length;
      socket.write(close);
    };
    socket.on('data', (chunk) => {
      if (upgraded) return; // the close reply
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      const status = head.subarray(0, end).toString('latin1').split('\r\n')[0];
      if (!/^HTTP\/1\.1 101/.test(status)) return reject(new Error(`handshake failed: ${status}`));
      const negotiated = /permessage-deflate/i.test(head.subarray(0, end).toString('latin1'));
      if (deflate && !negotiated) return reject(new Error('permessage-deflate was not negotiated'));
      upgraded = true;
      pump().catch(reject);
    });
    socket.on('end', () => socket.end());
    socket.on('close', () => resolve({ sent }));
  });
}
