/**
 * `wsinspect replay CAPTURE`: opens a new connection with the recorded
 * handshake (a fresh key; the same path, subprotocols, extension offer,
 * Origin, Cookie, Authorization), sends the client's recorded messages in
 * order with their recorded spacing, shows everything as `connect` does, and
 * compares the server's messages with the recording. Exit 0 when they match,
 * 1 at the first difference (or a failed handshake), 2 on a usage error or a
 * capture that cannot serve (no such connection, truncated payloads for `exact`).
 */
import type { Command } from 'commander';
import { CaptureFileError, readCapture } from '../capture/read-capture.js';
import type { WireEvent } from '../inspector/events.js';
import { createReport, failWith, type ClientIO } from './client-options.js';
import { COMPARE_MODES, type CompareMode } from '../replay/compare.js';
import { recordingOf, type Recording } from '../replay/recording.js';
import { replayEndpoint, replayRecording } from '../replay/run.js';
import { EXIT_FAILED, EXIT_OK, UsageError } from './errors.js';
import { parseCount, parsePositiveNumber, parseUrlOption } from './options.js';

export interface ReplayOptions {
  conn?: string;
  upstream?: string;
  speed?: string;
  /** false with --no-timing. */
  timing: boolean;
  compare: string;
  json?: boolean;
  insecure?: boolean;
  timeout: string;
  color?: boolean;
}

const HELP_AFTER = `
CAPTURE is anything \`wsinspect read\` reads. For --compare exact (the default) its
payloads must be whole: record with \`wsinspect proxy --json --full > session.ndjson\`
(or --har FILE --full).

Examples:
  wsinspect replay session.ndjson
  wsinspect replay session.har --conn 3 --upstream ws://127.0.0.1:9001/ --no-timing
  wsinspect replay session.ndjson --speed 10 --compare count --json

Exit status: 0 the server's messages match the recording, 1 the first difference
(shown on stderr) or a failed handshake, 2 usage error or an unusable capture.`;

export function register(program: Command): void {
  program
    .command('replay')
    .description('re-send the client side of a recorded connection and compare the server\'s answers with the recording')
    .argument('<capture>', 'NDJSON (with --full payloads), HAR, pcap or pcapng')
    .option('--conn <n>', 'the recorded connection to replay (default: the first WebSocket connection)')
    .option('--upstream <url>', 'send to this server instead of the recorded one (its path, when given, replaces the recorded path)')
    .option('--speed <x>', 'scale the recorded spacing: 2 is twice as fast')
    .option('--no-timing', 'send each message as soon as the previous one is out')
    .option('--compare <mode>', 'exact (kind + payload of every server message), count, or none', 'exact')
    .option('--timeout <seconds>', 'deadline to connect, and to wait for the server\'s messages after the last one sent', '10')
    .option('--insecure', 'do not verify the server\'s TLS certificate')
    .option('--json', 'NDJSON events on stdout instead of the pretty view')
    .option('--no-color', 'no colours (NO_COLOR is honoured too)')
    .addHelpText('after', HELP_AFTER)
    .action(async (capture: string, options: ReplayOptions) => {
      process.exitCode = await runReplay(capture, options, process);
    });
}

export async function runReplay(capture: string, options: ReplayOptions, io: ClientIO): Promise<number> {
  const mode = options.compare as CompareMode;
  if (!COMPARE_MODES.includes(mode)) throw new UsageError(`invalid --compare "${options.compare}": expected ${COMPARE_MODES.join(', ')}`);
  if (options.speed !== undefined && !options.timing) throw new UsageError('--speed and --no-timing exclude each other');
  const speed = options.speed === undefined ? 1 : parsePositiveNumber(options.speed, '--speed');
  const conn = options.conn === undefined ? undefined : parseCount(options.conn, '--conn');
  const timeoutMs = parsePositiveNumber(options.timeout, '--timeout') * 1000;
  const upstream = options.upstream === undefined ? null : parseUrlOption(options.upstream);

  const recording = await load(capture, conn);
  const truncated = [...recording.messages.client, ...recording.messages.server].some((message) => message.truncated);
  if (truncated && mode === 'exact') {
    throw new UsageError(`${capture}: connection ${recording.conn} has truncated payloads (an NDJSON preview); record with \`proxy --json --full\`, or use --compare count`);
  }
  if (truncated) io.stderr.write('wsinspect: some recorded payloads are truncated: their recorded prefix is sent\n');

  const endpoint = replayEndpoint(recording, upstream);
  if (!endpoint) throw new UsageError(`the capture does not say where connection ${recording.conn} went: give --upstream URL`);
  const report = createReport({ json: options.json, color: options.color }, io);
  const result = await replayRecording(recording, endpoint, { mode, speed: options.timing ? speed : null, timeoutMs, insecure: options.insecure ?? false }, report);
  await report.close();
  if ('failed' in result) return failWith(result.failed, io);
  if (!result.allSent) io.stderr.write('wsinspect: the connection closed before every recorded message was sent\n');
  const { answers, difference } = result;
  const expected = recording.messages.server;
  if (!difference) {
    io.stderr.write(`replay: ${answers.length} server message${answers.length === 1 ? '' : 's'}${mode === 'none' ? '' : ` match the recording (${mode})`}\n`);
    return EXIT_OK;
  }
  io.stderr.write(
    `wsinspect: replay differs at server message ${difference.index + 1} of ${expected.length} recorded\n` +
      `  expected: ${difference.expected}\n  actual:   ${difference.actual}\n  ${difference.diff}\n`,
  );
  return EXIT_FAILED;
}

async function load(capture: string, conn: number | undefined): Promise<Recording> {
  const events: WireEvent[] = [];
  let chosen = conn;
  try {
    // Whole payloads where the capture has them (a pcap is decoded here).
    await readCapture(capture, { previewBytes: Number.MAX_SAFE_INTEGER }, (batch) => {
      for (const event of batch) {
        // Without --conn, the first WebSocket connection: only its events are kept.
        if (chosen === undefined && event.type === 'handshake-request') chosen = event.conn;
        if (chosen === undefined || event.conn === chosen) events.push(event);
      }
    });
  } catch (err) {
    if (err instanceof CaptureFileError) throw new UsageError(err.message);
    throw err;
  }
  const recording = recordingOf(events, chosen);
  if (!recording) throw new UsageError(`${capture}: ${conn === undefined ? 'no WebSocket connection in it' : `no WebSocket connection ${conn} in it`}`);
  return recording;
}
