/**
 * `wsinspect decode [HEX...] [--file F] [--from client|server] [--deflate] [--json]`:
 * runs captured frame bytes through the same DirectionInspector the proxy uses
 * and prints the teaching breakdown (or the contract's NDJSON events).
 */
import { Option, type Command } from 'commander';
import { DEFAULT_PREVIEW_BYTES, DirectionInspector } from '../inspector/direction.js';
import { stamp, type InspectorEvent, type Side, type ViolationEvent } from '../inspector/events.js';
import { FrameDecoder, type FrameHeader } from '../inspector/frame-decoder.js';
import { makeChalk } from '../render/color.js';
import { FRAME_BYTES_SHOWN, FrameBreakdown, type FrameBytes, type IncompleteFrame } from '../render/frame-breakdown.js';
import { EXIT_FAILED, EXIT_OK, UsageError } from './errors.js';
import { openDecodeInput, type InputSources } from './input.js';
import { StreamWindow } from './stream-window.js';
import { parseCount } from './options.js';

export interface DecodeOptions {
  file?: string;
  /** Who sent the bytes; without it, guessed from the first frame's MASK bit. */
  from?: Side;
  /** permessage-deflate was negotiated, with context takeover. */
  deflate?: boolean;
  json?: boolean;
  /** Bytes of each message kept in `text`/`base64`. */
  preview?: number;
  /** false with --no-color. */
  color?: boolean;
}

export interface DecodeIO {
  stdin: InputSources['stdin'];
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
  now: () => number;
}

/** Every event of one decode belongs to one (notional) connection. */
const CONN = 1;

const HELP_AFTER = `
Input, one of:
  hex words   wsinspect decode 81 85 37 fa 21 3d 7f 9f 4d 51 58
              (also 0x81,0x85 or 81:85:37:fa, or words like 37fa213d)
  --file F    wsinspect decode --file frames.bin          (raw binary)
  stdin       echo '81 05 48 65 6c 6c 6f' | wsinspect decode --from server
              (hex text is read as hex, anything else as raw bytes)

Exit status: 0 decoded cleanly, 1 a protocol error or the input ends
mid-frame, 2 usage error.`;

export function register(program: Command): void {
  program
    .command('decode')
    .description('decode raw WebSocket frame bytes and explain each frame byte by byte')
    .argument('[hex...]', 'frame bytes in hex')
    .option('--file <file>', 'read raw binary frame bytes from FILE')
    .addOption(
      new Option('--from <side>', 'who sent the bytes, for the masking rules (default: guessed from the MASK bit)').choices([
        'client',
        'server',
      ]),
    )
    .option('--deflate', 'permessage-deflate was negotiated (with context takeover)')
    .option('--json', 'NDJSON events on stdout instead of the breakdown')
    .option('--preview <bytes>', 'bytes of each message kept for text/base64 (default 65536)', (text) =>
      parseCount(text, '--preview'),
    )
    .option('--no-color', 'no colours')
    .addHelpText('after', HELP_AFTER)
    .action(async (hex: string[], options: DecodeOptions) => {
      process.exitCode = await runDecode(hex, options, {
        stdin: process.stdin,
        stdout: process.stdout,
        stderr: process.stderr,
        now: Date.now,
      });
    });
}

/** Decodes the input as it streams in and prints it; returns the exit code. Usage errors are thrown as UsageError. */
export async function runDecode(hex: string[], options: DecodeOptions, io: DecodeIO): Promise<number> {
  const input = await openDecodeInput({ hex, file: options.file, stdin: io.stdin });
  const window = new StreamWindow();
  let decoding: Decoding | null = null;
  for await (const chunk of firstTwoBytesTogether(input)) {
    window.add(chunk);
    decoding ??= startDecoding(chunk, options, io);
    decoding.show(decoding.inspector.push(chunk), window);
    window.keepFrom(decoding.nextFrameOffset);
  }
  if (!decoding) throw new UsageError('no bytes to decode');
  return decoding.finish(window);
}

/** One decode under way: the inspector, where the next frame starts, and how events are shown. */
interface Decoding {
  inspector: DirectionInspector;
  nextFrameOffset: number;
  show(events: InspectorEvent[], bytes: FrameBytes): void;
  /** Shows the end (a frame cut short, the summary) and returns the exit code. */
  finish(window: StreamWindow): number;
}

function startDecoding(first: Buffer, options: DecodeOptions, io: DecodeIO): Decoding {
  const side = options.from ?? guessSide(first);
  const inspector = new DirectionInspector({
    side,
    deflate: options.deflate ? { noContextTakeover: false } : null,
    previewBytes: options.preview ?? DEFAULT_PREVIEW_BYTES,
  });
  const guessNote = options.from ? null : `direction: ${side} (guessed from the MASK bit of the first frame; use --from to set it)`;
  let errors = false;
  const view = options.json ? null : new FrameBreakdown({
    chalk: makeChalk({ color: options.color, stream: io.stdout }),
    notes: guessNote ? [guessNote] : [],
  });
  // stdout stays pure NDJSON: notes for the human go to stderr.
  if (!view && guessNote) io.stderr.write(`wsinspect: ${guessNote}\n`);

  const decoding: Decoding = {
    inspector,
    nextFrameOffset: 0,
    show(events, bytes) {
      for (const event of events) {
        if (event.type === 'frame') decoding.nextFrameOffset = event.offset + event.wireLength;
        if (event.type === 'violation' && event.severity === 'error') errors = true;
      }
      if (view) io.stdout.write(view.render(events, bytes));
      else for (const event of events) io.stdout.write(`${JSON.stringify(stamp(event, CONN, io.now()))}\n`);
    },
    finish(window) {
      const cutShort = !inspector.lost && !inspector.atFrameBoundary;
      const incomplete = cutShort ? incompleteFrame(window, decoding.nextFrameOffset, side, inspector.end()) : null;
      if (incomplete?.violations.some((v) => v.severity === 'error')) errors = true;
      if (view) io.stdout.write(view.finish(window.total, incomplete, window));
      else if (incomplete) {
        for (const v of incomplete.violations) io.stdout.write(`${JSON.stringify(stamp(v, CONN, io.now()))}\n`);
        io.stderr.write(`wsinspect: truncated: ${incomplete.message}\n`);
      }
      return errors || incomplete ? EXIT_FAILED : EXIT_OK;
    },
  };
  return decoding;
}

/** Chunks as they come, except that the first has at least two bytes when the input does (for guessSide). */
async function* firstTwoBytesTogether(input: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
  let head: Buffer | null = Buffer.alloc(0);
  for await (const chunk of input) {
    if (chunk.length === 0) continue;
    if (head === null) yield chunk;
    else if ((head = Buffer.concat([head, chunk])).length >= 2) {
      yield head;
      head = null;
    }
  }
  if (head?.length) yield head;
}

/** Clients must mask and servers must not (RFC 6455 5.1), so the first MASK bit is the best guess. */
function guessSide(input: Buffer): Side {
  return input.length < 2 || input[1]! & 0x80 ? 'client' : 'server';
}

/** The frame the input stops in: where it starts, its header when complete, how much is missing, what its header broke. */
function incompleteFrame(window: StreamWindow, offset: number, from: Side, violations: InspectorEvent[]): IncompleteFrame {
  const tailLength = window.total - offset;
  const header = parseHeader(window.at(offset, FRAME_BYTES_SHOWN));
  const message = header
    ? `input ends in the middle of a frame: ${tailLength - header.headerLength} of ${header.payloadLength} payload bytes`
    : `input ends in the middle of a frame header, after ${tailLength} byte${tailLength === 1 ? '' : 's'}`;
  return { from, offset, header, message, violations: violations.filter((e): e is ViolationEvent => e.type === 'violation') };
}

/** The header at the start of `bytes`, read by the real decoder, or null when it is cut short. */
function parseHeader(bytes: Uint8Array): FrameHeader | null {
  let header: FrameHeader | null = null;
  const capture = (h: FrameHeader) => {
    header = h;
  };
  new FrameDecoder({ onHeader: capture, onLost: capture, onPayload: () => {}, onFrameEnd: () => {} }).push(bytes);
  return header;
}
