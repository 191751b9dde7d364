/**
 * What the capture file readers produce: packets as they were captured, each
 * with its time and link type, or a problem with the file. Packet data is a
 * view into the reader's buffer, valid until the next push (consumers that
 * keep bytes copy them).
 */
export interface CapturedPacket {
  kind: 'packet';
  /** Milliseconds since the epoch, with a fraction. */
  ts: number;
  /** LINKTYPE_* of the packet's interface (https://www.tcpdump.org/linktypes.html). */
  linkType: number;
  data: Uint8Array;
  /** Bytes of the packet on the wire; more than data.length when the capture cut it (snaplen). */
  originalLength: number;
}

/** The file is damaged from here on: reading stops, with this one-line reason. */
export interface CaptureProblem {
  kind: 'problem';
  message: string;
}

export type CaptureRecord = CapturedPacket | CaptureProblem;

/** A sans-IO reader of a capture file: fed the file's bytes in any chunks, returns records. */
export interface CaptureReader {
  push(chunk: Uint8Array): CaptureRecord[];
  /** The file ended: a problem when it ended inside a record. */
  end(): CaptureRecord[];
}

/**
 * A packet or block claiming more than this is a damaged length, not data:
 * reading stops rather than buffering towards it (a 10 GB claim must not be
 * allocated or waited for). Real snap lengths are at most 256 KiB.
 */
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;
