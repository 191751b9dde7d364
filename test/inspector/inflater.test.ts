/**
 * MessageInflater (RFC 7692 7.2.2): the RFC's examples, any input split, context
 * takeover against node:zlib's compressor, the budget, and errors. Every case
 * runs both ways: as a DirectionInspector drives it (the last frame said, so a
 * small one-frame message inflates natively at once) and with every frame
 * streamed through fflate; both must give the same results.
 */
import { randomBytes } from 'node:crypto';
import { constants as zlib, createDeflateRaw, deflateRawSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { MessageInflater } from '../../src/inspector/inflater.js';
import { hex } from '../helpers/decode.js';

interface Result {
  output: Buffer;
  error: string | null;
  partial: boolean;
}

/**
 * Inflates one message given as its frames' payloads, each pushed in `chunk`-byte pieces (0: whole);
 * `lastSaid`: the last frame's end says so (as DirectionInspector does), which lets a message inflate at once.
 */
function inflateMessage(inflater: MessageInflater, frames: Uint8Array[], chunk: number, lastSaid: boolean): Result {
  const parts: Buffer[] = [];
  inflater.begin((data) => parts.push(Buffer.from(data)));
  frames.forEach((payload, i) => {
    const step = chunk || payload.length || 1;
    for (let at = 0; at < payload.length; at += step) inflater.push(payload.subarray(at, at + step));
    inflater.endFrame(lastSaid && i === frames.length - 1);
  });
  const error = inflater.finish();
  return { output: Buffer.concat(parts), error, partial: inflater.partial };
}

/** Inflates the messages in order with one inflater, both ways; the results must agree. */
function inflateAll(messages: Uint8Array[][], noContextTakeover: boolean, chunk = 0, budget = 1 << 30): Result[] {
  const [atOnce, streamed] = [true, false].map((lastSaid) => {
    const inflater = new MessageInflater(noContextTakeover, budget);
    return messages.map((frames) => inflateMessage(inflater, frames, chunk, lastSaid));
  });
  // (Buffers compared with equals: toEqual walks them byte by byte, slowly.)
  const summary = (results: Result[]) => results.map((r) => ({ error: r.error, partial: r.partial, length: r.output.length }));
  expect(summary(atOnce!)).toEqual(summary(streamed!));
  atOnce!.forEach((r, i) => expect(r.output.equals(streamed![i]!.output), `message ${i}`).toBe(true));
  return atOnce!;
}

const ok = (text: string) => ({ output: Buffer.from(text), error: null, partial: false });

/** Compresses each message with one node:zlib stream (context takeover), sync-flushed, tail stripped. */
async function zlibTakeover(messages: Buffer[], level = 6): Promise<Buffer[]> {
  const deflater = createDeflateRaw({ level });
  let pending: Buffer[] = [];
  deflater.on('data', (chunk: Buffer) => pending.push(chunk));
  const out: Buffer[] = [];
  for (const message of messages) {
    deflater.write(message);
    await new Promise<void>((resolve) => deflater.flush(zlib.Z_SYNC_FLUSH, () => resolve()));
    const all = Buffer.concat(pending);
    pending = [];
    expect(all.subarray(-4).toString('hex')).toBe('0000ffff');
    out.push(all.subarray(0, -4));
  }
  deflater.close();
  return out;
}

const compress = (data: Uint8Array) => deflateRawSync(data, { finishFlush: zlib.Z_SYNC_FLUSH }).subarray(0, -4);

describe('RFC 7692 7.2.3 examples', () => {
  const cases: [string, Uint8Array[][], boolean][] = [
    ['7.2.3.1 one frame', [[hex('f2 48 cd c9 c9 07 00')]], false],
    ['7.2.3.1 two frames', [[hex('f2 48 cd'), hex('c9 c9 07 00')]], false],
    ['7.2.3.2 context takeover', [[hex('f2 48 cd c9 c9 07 00')], [hex('f2 00 11 00 00')]], false],
    ['7.2.3.2 no context takeover', [[hex('f2 48 cd c9 c9 07 00')], [hex('f2 48 cd c9 c9 07 00')]], true],
    ['7.2.3.3 stored block', [[hex('00 05 00 fa ff 48 65 6c 6c 6f 00')]], false],
    ['7.2.3.4 BFINAL', [[hex('f3 48 cd c9 c9 07 00 00')]], false],
    ['7.2.3.4 BFINAL, then context takeover', [[hex('f3 48 cd c9 c9 07 00 00')], [hex('f2 00 11 00 00')]], false],
    ['7.2.3.4 BFINAL twice, then context takeover', [[hex('f3 48 cd c9 c9 07 00 00')], [hex('f3 00 11 00 00 00')], [hex('f2 00 11 00 00')]], false],
    ['7.2.3.5 two blocks', [[hex('f2 48 05 00 00 00 ff ff ca c9 c9 07 00')]], false],
  ];

  test.each(cases)('%s, whole and in every chunk size', (_, messages, noContextTakeover) => {
    const longest = Math.max(...messages.flat().map((p) => p.length));
    for (let chunk = 0; chunk <= longest; chunk++) {
      expect(inflateAll(messages, noContextTakeover, chunk)).toEqual(messages.map(() => ok('Hello')));
    }
  });

  test('7.2.3.6: a lone 0x00 is an empty message', () => {
    expect(inflateAll([[hex('00')], [hex('f2 48 cd c9 c9 07 00')], [hex('00')], [hex('f2 00 11 00 00')]], false)).toEqual([
      ok(''),
      ok('Hello'),
      ok(''),
      ok('Hello'),
    ]);
  });

  test('7.2.3.6: empty fragments inside a message', () => {
    expect(inflateAll([[hex('f2 48'), hex(''), hex('cd c9 c9 07 00')]], false)).toEqual([ok('Hello')]);
  });
});

describe('against node:zlib', () => {
  test('many messages under context takeover, any chunking, at several levels', async () => {
    const texts = ['{"op":"subscribe","channel":"ticker"}', '{"op":"subscribe","channel":"trades"}', '', 'x'.repeat(5000)];
    const messages = [...texts.map((t) => Buffer.from(t)), randomBytes(40000), Buffer.from(texts[0]!), Buffer.alloc(100000, 7)];
    for (const level of [0, 1, 6, 9]) {
      const compressed = await zlibTakeover(messages, level);
      for (const chunk of [0, 1, 3, 1000, 1024, 1025]) {
        const results = inflateAll(compressed.map((c) => [c]), false, chunk);
        results.forEach((r, i) => {
          expect({ error: r.error, partial: r.partial }).toEqual({ error: null, partial: false });
          expect(r.output.equals(messages[i]!), `level ${level}, chunk ${chunk}, message ${i}`).toBe(true);
        });
      }
    }
  });

  test('messages that inflate at once and messages that stream hand the window on to each other', async () => {
    const record = (i: number) => `{"seq":${i},"user":"u${(i * 7919) % 10007}","side":"${i % 3 ? 'buy' : 'sell'}"}`;
    const texts = Array.from({ length: 40 }, (_, i) => Buffer.from(Array.from({ length: 1 + (i % 9) * 3 }, (_, j) => record(i * 10 + j)).join(',')));
    texts[7] = randomBytes(30000); // over 16 KiB compressed: streamed
    texts[21] = Buffer.concat([texts[3]!, randomBytes(20000), texts[5]!]);
    const compressed = await zlibTakeover(texts);
    // Some messages in two frames (streamed), the rest in one (at once, when small).
    const messages = compressed.map((c, i) => (i % 5 === 2 ? [c.subarray(0, c.length >> 1), c.subarray(c.length >> 1)] : [c]));
    for (const chunk of [0, 1, 100, 5000]) {
      const results = inflateAll(messages, false, chunk);
      results.forEach((r, i) => {
        expect({ error: r.error, partial: r.partial }).toEqual({ error: null, partial: false });
        expect(r.output.equals(texts[i]!), `chunk ${chunk}, message ${i}`).toBe(true);
      });
    }
  });

  test('a message split into many frames at random places', () => {
    const data = randomBytes(20000).map((b) => b & 0x0f); // compressible
    const compressed = compress(data);
    const frames: Uint8Array[] = [];
    for (let at = 0; at < compressed.length; ) {
      const n = Math.floor(Math.random() * 300);
      frames.push(compressed.subarray(at, at + n));
      at += n;
    }
    const [result] = inflateAll([frames], true, 7);
    expect(result).toMatchObject({ error: null, partial: false });
    expect(result!.output.equals(data)).toBe(true);
  });
});

describe('budget', () => {
  test('a message of exactly the budget is whole; context takeover goes on', () => {
    const messages = [[hex('f2 48 cd c9 c9 07 00')], [hex('f2 00 11 00 00')]];
    expect(inflateAll(messages, false, 0, 5)).toEqual([ok('Hello'), ok('Hello')]);
  });

  test('one byte over: cut at the budget; under context takeover every later message is partial, never misread', () => {
    const messages = [[hex('f2 48 cd c9 c9 07 00')], [hex('f2 00 11 00 00')], [hex('f2 48 cd c9 c9 07 00')]];
    expect(inflateAll(messages, false, 0, 4)).toEqual([
      { output: Buffer.from('Hell'), error: null, partial: true },
      { output: Buffer.alloc(0), error: null, partial: true },
      { output: Buffer.alloc(0), error: null, partial: true },
    ]);
  });

  test('without context takeover the next message starts afresh', () => {
    const messages = [[compress(Buffer.alloc(100, 0x61))], [hex('f2 48 cd c9 c9 07 00')]];
    expect(inflateAll(messages, true, 0, 10)).toEqual([
      { output: Buffer.alloc(10, 0x61), error: null, partial: true },
      ok('Hello'),
    ]);
  });

  test('a decompression bomb stops at the budget', () => {
    // How fast is for npm run bench; here, that no more than the budget comes out.
    const bomb = compress(Buffer.alloc(100e6));
    const [result] = inflateAll([[bomb]], false, 65536, 1 << 20);
    expect(result).toMatchObject({ error: null, partial: true });
    expect(result!.output.length).toBe(1 << 20);
  });
});

describe('errors', () => {
  test.each([
    ['an invalid block type', 'ff ff ff'],
    ['a stored block cut short', '00 05 00 fa ff 48 65'],
    ['a Huffman block cut short', 'f2 48'],
    ['no data at all (the tail alone is no block)', ''],
  ])('%s does not inflate; the next message inflates afresh', (_, payload) => {
    for (const noContextTakeover of [false, true]) {
      const [bad, good] = inflateAll([[hex(payload)], [hex('f2 48 cd c9 c9 07 00')]], noContextTakeover);
      expect(bad!.error).toMatch(/^the compressed message does not inflate: /);
      expect(bad!.error).not.toMatch(/Cannot read|undefined|of null/);
      expect(good).toEqual(ok('Hello'));
    }
  });

  test('a back-reference before the start of the window', () => {
    const [result] = inflateAll([[hex('f2 00 11 00 00')]], false);
    expect(result!.error).toMatch(/does not inflate/);
  });

  test('a corrupt message inflates to the same prefix however its bytes were pushed', () => {
    for (let seed = 0; seed < 50; seed++) {
      const good = compress(Buffer.from(`message ${seed} `.repeat(200 + seed * 37)));
      const bad = Buffer.from(good);
      bad[Math.floor(bad.length / 2) + (seed % 7)] ^= 0x5a;
      const [whole] = inflateAll([[bad]], true, 0);
      for (const chunk of [1, 5, 333, 1023]) {
        const [split] = inflateAll([[bad]], true, chunk);
        expect(split!.error).toBe(whole!.error);
        expect(split!.output.equals(whole!.output), `seed ${seed}, chunk ${chunk}`).toBe(true);
      }
    }
  });
});
