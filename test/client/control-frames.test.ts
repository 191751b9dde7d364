import { expect, test } from 'vitest';
import { ControlFrames } from '../../src/client/control-frames.js';
import { encodeClose, encodeFrame } from '../../src/inspector/frame-encoder.js';
import { OP_PING, OP_TEXT } from '../../src/inspector/opcodes.js';

test('control frames come out whole, however the bytes are cut; data frames are skipped', () => {
  const payload = Buffer.from('p'.repeat(125));
  const stream = Buffer.concat([
    encodeFrame({ opcode: OP_TEXT, payload: 'x'.repeat(300) }),
    encodeFrame({ opcode: OP_PING, payload }),
    encodeClose(1001, 'bye'),
  ]);
  const controls = new ControlFrames();
  const frames = [...stream].flatMap((byte) => controls.push(Buffer.from([byte])));
  expect(frames).toEqual([
    { opcode: OP_PING, payload },
    { opcode: 0x8, payload: Buffer.from([0x03, 0xe9, ...Buffer.from('bye')]) },
  ]);
});

test('a masked control frame (a server must not, but some do) is unmasked', () => {
  const frame = encodeFrame({ opcode: OP_PING, payload: 'hello', maskKey: Buffer.from([1, 2, 3, 4]) });
  expect(new ControlFrames().push(frame)).toEqual([{ opcode: OP_PING, payload: Buffer.from('hello') }]);
});
