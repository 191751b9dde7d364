/**
 * `wsinspect decode [HEX...] [--file F] [--from client|server] [--deflate] [--json]`:
 * runs captured frame bytes through the same DirectionInspector the proxy uses
 * and prints the teaching breakdown (or the contract's NDJSON events).
 */
import { Option, type Command } from 'commander';
import { DEFAULT_PREVIEW_BYTES, DirectionInspector } from '../inspector/direction.js';
import { stamp, type FrameEvent, type InspectorEvent, type Side } from '../inspector/events.js';
import { FrameDecoder, type FrameHeader } from '../inspector/frame-decoder.js';
import { makeChalk } from '../render/color.js';
import { renderFrameBreakdown, type IncompleteFrame } from '../render/frame-breakdown.js';
import { EXIT_FAILED, EXIT_OK } from './errors.js';
import { readDecodeInput, type InputSources } from './input.js';
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

/** Decodes the input and prints it; returns the exit code. Usage errors are thrown as UsageError. */
export async function runDecode(hex: string[], options: DecodeOptions, io: DecodeIO): Promise<number> {
  const input = await readDecodeInput({ hex, file: options.file, stdin: io.stdin });
  const side = options.from ?? guessSide(input);
  const inspector = new DirectionInspector({
    side,
    deflate: options.deflate ? { noContextTakeover: false } : null,
    previewBytes: options.preview ?? DEFAULT_PREVIEW_BYTES,
  });
  const events = inspector.push(input);
  const incomplete = inspector.lost || inspector.atFrameBoundary ? null : incompleteFrame(input, side, events);
  const guessNote = options.from ? null : `direction: ${side} (guessed from the MASK bit of the first frame; use --from to set it)`;

  if (options.json) {
    // stdout stays pure NDJSON: notes for the human go to stderr.
    if (guessNote) io.stderr.write(`wsinspect: ${guessNote}\n`);
    for (const event of events) io.stdout.write(`${JSON.stringify(stamp(event, CONN, io.now()))}\n`);
    if (incomplete) io.stderr.write(`wsinspect: ${incomplete.message}\n`);
  } else {
    const chalk = makeChalk({ color: options.color, stream: io.stdout });
    io.stdout.write(
      renderFrameBreakdown(input, events, {
        chalk,
        notes: guessNote ? [guessNote] : [],
        incomplete,
      }),
    );
  }
  const errors = events.some((e) => e.type === 'violation' && e.severity === 'error');
  return errors || incomplete ? EXIT_FAILED : EXIT_OK;
}

/** Clients must mask and servers must not (RFC 6455 5.1), so the first MASK bit is the best guess. */
function guessSide(input: Buffer): Side {
  return input.length < 2 || input[1]! & 0x80 ? 'client' : 'server';
}

/** The frame the input stops in: where it starts, its header when complete, and how much is missing. */
function incompleteFrame(input: Buffer, from: Side, events: InspectorEvent[]): IncompleteFrame {
  const frames = events.filter((e): e is FrameEvent => e.type === 'frame');
  const last = frames[frames.length - 1];
  const offset = last ? last.offset + last.wireLength : 0;
  const tail = input.subarray(offset);
  const header = parseHeader(tail);
  const message = header
    ? `input ends in the middle of a frame: ${tail.length - header.headerLength} of ${header.payloadLength} payload bytes`
    : `input ends in the middle of a frame header, after ${tail.length} byte${tail.length === 1 ? '' : 's'}`;
  return { from, offset, header, message };
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
