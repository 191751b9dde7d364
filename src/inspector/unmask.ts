/**
 * Unmasking (RFC 6455 5.3): payload byte i is XORed with mask[i % 4]. The
 * source is never touched, since the proxy may still be writing it out; the
 * result goes to another buffer. The decoder's hot path is MaskScratch (32-bit
 * words, or bufferutil's native loop); unmaskInto serves the cold paths (the
 * decode view, control payloads of at most 125 bytes).
 */
import { createRequire } from 'node:module';

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * bufferutil's native mask (an optional dependency, as for ws): Node has no
 * vectorised XOR, and the native loop unmasks 64 KiB about 13x faster than the
 * 32-bit JS loop below (measured in bench/). It loads from a prebuilt binary, no
 * install script; without it the JS loop does the work.
 */
type NativeMask = (source: Uint8Array, mask: Uint8Array, output: Uint8Array, offset: number, length: number) => void;
const nativeMask: NativeMask | null = (() => {
  try {
    const { mask } = createRequire(import.meta.url)('bufferutil') as { mask: NativeMask };
    return mask.toString().includes('[native code]') ? mask : null; // its own fallback is a byte loop
  } catch {
    return null;
  }
})();
/** Below this, the native call costs more than it saves (measured: 64 B frames got slower). */
const NATIVE_FROM = 256;

/**
 * Writes src unmasked into dst[0..src.length). `phase` is the payload offset of
 * src[0] (mod 4), so chunks of one payload can be unmasked independently.
 */
export function unmaskInto(dst: Uint8Array, src: Uint8Array, mask: Uint8Array, phase: number): void {
  for (let i = 0; i < src.length; i++) dst[i] = src[i]! ^ mask[(phase + i) & 3]!;
}

/** The mask turned to start at a payload offset, for the native call (unmasking is synchronous: one serves all). */
const rotated = Buffer.alloc(4);

/**
 * Writes src[start..end) unmasked (copied when `mask` is null) into
 * dst[at..): a frame's payload straight into the buffer that keeps it, one
 * pass, no scratch, and no view of src made for small pieces. `phase` as for
 * unmaskInto.
 */
export function unmaskTo(dst: Uint8Array, at: number, src: Uint8Array, start: number, end: number, mask: Uint8Array | null, phase: number): void {
  const n = end - start;
  if (!mask) {
    if (n < NATIVE_FROM) for (let i = 0; i < n; i++) dst[at + i] = src[start + i]!;
    else dst.set(src.subarray(start, end), at);
    return;
  }
  const m0 = mask[phase & 3]!, m1 = mask[(phase + 1) & 3]!, m2 = mask[(phase + 2) & 3]!, m3 = mask[(phase + 3) & 3]!;
  if (nativeMask && n >= NATIVE_FROM) {
    rotated[0] = m0;
    rotated[1] = m1;
    rotated[2] = m2;
    rotated[3] = m3;
    nativeMask(start === 0 && end === src.length ? src : src.subarray(start, end), rotated, dst, at, n);
    return;
  }
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    dst[at + i] = src[start + i]! ^ m0;
    dst[at + i + 1] = src[start + i + 1]! ^ m1;
    dst[at + i + 2] = src[start + i + 2]! ^ m2;
    dst[at + i + 3] = src[start + i + 3]! ^ m3;
  }
  for (; i < n; i++) dst[at + i] = src[start + i]! ^ mask[(phase + i) & 3]!;
}

/**
 * A reusable 64 KiB buffer to unmask into, with a 32-bit view made once: the
 * hot path (many small frames) then allocates nothing per frame.
 */
export class MaskScratch {
  static readonly SIZE = 64 * 1024;
  readonly bytes = Buffer.allocUnsafeSlow(MaskScratch.SIZE);
  private readonly words = new Uint32Array(this.bytes.buffer, this.bytes.byteOffset, MaskScratch.SIZE / 4);

  /** Unmasks src[start..end) (at most SIZE bytes) into bytes[0..); returns the length. */
  unmask(src: Uint8Array, start: number, end: number, mask: Uint8Array, phase: number): number {
    const n = end - start;
    const bytes = this.bytes;
    if (n < 32) {
      for (let i = 0; i < n; i++) bytes[i] = src[start + i]! ^ mask[(phase + i) & 3]!;
      return n;
    }
    const piece = start === 0 && end === src.length ? src : src.subarray(start, end);
    if (nativeMask && n >= NATIVE_FROM) {
      unmaskTo(bytes, 0, piece, 0, n, mask, phase);
      return n;
    }
    const m0 = mask[phase & 3]!, m1 = mask[(phase + 1) & 3]!, m2 = mask[(phase + 2) & 3]!, m3 = mask[(phase + 3) & 3]!;
    bytes.set(piece);
    const words = n >>> 2;
    const word = littleEndian
      ? (m0 | (m1 << 8) | (m2 << 16) | (m3 << 24)) >>> 0
      : ((m0 << 24) | (m1 << 16) | (m2 << 8) | m3) >>> 0;
    const view = this.words;
    for (let w = 0; w < words; w++) view[w] ^= word;
    for (let i = words * 4; i < n; i++) bytes[i] ^= mask[(phase + i) & 3]!;
    return n;
  }
}
