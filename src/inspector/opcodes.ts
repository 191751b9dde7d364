/** Opcodes of RFC 6455 5.2 and the predicates the rules are phrased in. */
import type { OpcodeName } from './events.js';

export const OP_CONTINUATION = 0x0;
export const OP_TEXT = 0x1;
export const OP_BINARY = 0x2;
export const OP_CLOSE = 0x8;
export const OP_PING = 0x9;
export const OP_PONG = 0xa;

const NAMES: Record<number, OpcodeName> = {
  [OP_CONTINUATION]: 'continuation',
  [OP_TEXT]: 'text',
  [OP_BINARY]: 'binary',
  [OP_CLOSE]: 'close',
  [OP_PING]: 'ping',
  [OP_PONG]: 'pong',
};

export function opcodeName(opcode: number): OpcodeName {
  return NAMES[opcode] ?? 'reserved';
}

/** "Control frames are identified by opcodes where the most significant bit of the opcode is 1." (5.5) */
export function isControl(opcode: number): boolean {
  return (opcode & 0x8) !== 0;
}

/** 0x3-0x7 are reserved for further non-control frames, 0xB-0xF for further control frames (5.2). */
export function isReservedOpcode(opcode: number): boolean {
  return NAMES[opcode] === undefined;
}
