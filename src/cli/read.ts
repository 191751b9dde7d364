/**
 * `wsinspect read FILE... [--json] [--har OUT] [--pcap OUT] [--filter EXPR] [--conn N] [--strict] [--ui [HOST:PORT]]`:
 * a capture (pcap, pcapng, HAR, wsinspect NDJSON) shown as the proxy shows
 * live traffic, through the same renderers. Exit 1 when the capture holds an
 * error violation (any violation with --strict), 2 when a file cannot be read.
 */
import { once } from 'node:events';
import type { Command } from 'commander';
import { captureFormat, readCapture, CaptureFileError } from '../capture/read-capture.js';
import { PcapngRewrite } from '../capture/pcapng-rewrite.js';
import type { PcapngRecorder } from '../capture/pcapng-recorder.js';
import { openPcap } from './pcap-option.js';
import { fileOutput } from './stdout-file.js';
import { stamp, type WireEvent } from '../inspector/events.js';
import type { FlowEvent } from '../capture/tcp-tracker.js';
import { createFilterView, parseFilter, FilterSyntaxError, type FilterView } from '../filter/index.js';
import { makeChalk } from '../render/color.js';
import { createHarSink } from '../render/har.js';
import { createNdjsonSink } from '../render/ndjson.js';
import { createPrettySink } from '../render/pretty.js';
import { fanOut, type EventSink } from '../render/sink.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError } from './errors.js';
import { checkOutputFile } from './command-line-files.js';
import { parseCount, parseHostPort, untilStopped } from './options.js';
import { EventStore } from '../ui/event-store.js';
import { DEFAULT_UI, startInspectorServer, type InspectorServer } from '../ui/server.js';
import { escapeForTerminal } from '../render/escape.js';

export interface ReadOptions {
  json?: boolean;
  har?: string;
  pcap?: string;
  filter?: string;
  conn?: string;
  strict?: boolean;
  color?: boolean;
  /** --ui alone: true (the default address); --ui HOST:PORT: that address. */
  ui?: string | true;
}

/** Past this much unwritten output, reading waits for stdout to drain (a slow pager must not cost memory). */
const HIGH_WATER = 4 * 1024 * 1024;

const HELP_AFTER = `
The format is detected from the content: pcap, pcapng, HAR 1.2 (Chrome's
_webSocketMessages, Firefox's export) or wsinspect's own --json output.
In packet captures every TCP connection that starts with an HTTP/1.x
request is followed from its first byte, whatever its ports.

--pcap OUT writes the TCP streams of the connections shown (all, or the
one --conn picks; --filter does not thin it) as a pcapng, each direction's
reassembled bytes exactly, a lost segment kept as a gap. Only packet
captures can be converted: a HAR or NDJSON file keeps messages, not the
bytes on the wire.

Exit status: 0 read cleanly, 1 the capture holds an error violation (any
violation with --strict), 2 usage error or a file that cannot be read.`;

export function register(program: Command): void {
  program
    .command('read')
    .description('read a capture (pcap, pcapng, HAR, NDJSON) and show it as the proxy shows live traffic')
    .argument('<file...>', 'capture files, read in order')
    .option('--json', 'NDJSON events on stdout instead of the pretty view')
    .option('--har <out>', 'also write what was read as a HAR 1.2 file')
    .option('--pcap <out>', 'also write the TCP streams read from a pcap or pcapng as a pcapng (Wireshark, tshark)')
    .option('--filter <expr>', 'show only what matches (the filter language of the contract)')
    .option('--conn <n>', 'show only connection N')
    .option('--strict', 'exit 1 on any violation, warnings included')
    .option('--no-color', 'no colours in the pretty view (NO_COLOR is honoured too)')
    .option('--ui [host:port]', `also serve what was read in the web inspector until Ctrl-C (default ${DEFAULT_UI})`)
    .addHelpText('after', HELP_AFTER)
    .action(async (files: string[], options: ReadOptions) => {
      const stdout = fileOutput(1, process.stdout.isTTY) ?? process.stdout;
      process.exitCode = await runRead(files, options, stdout, process.stderr);
    });
}

interface Out {
  write(text: string): boolean;
  isTTY?: boolean;
  columns?: number;
  writableLength?: number;
}

export async function runRead(
  files: string[],
  options: ReadOptions,
  stdout: Out & NodeJS.EventEmitter,
  stderr: { write(text: string): unknown },
  stop: () => Promise<unknown> = untilStopped,
): Promise<number> {
  const onlyConn = options.conn === undefined ? null : parseCount(options.conn, '--conn');
  const view = filterView(options.filter);
  if (options.har) checkOutputFile('--har', options.har);
  const problems: string[] = [];
  const pcap = options.pcap === undefined ? null : await openPcapFor(files, options.pcap, (message) => problems.push(message));
  const rewrite = pcap && new PcapngRewrite(pcap);
  const uiAt = options.ui === undefined ? null : parseHostPort(options.ui === true ? DEFAULT_UI : options.ui, '--ui');
  const store = uiAt ? new EventStore() : null;
  // Started first, so a port in use is said before any reading.
  const inspector = uiAt ? await startUi(uiAt, store!, pcap) : null;
  const sinks: EventSink[] = [
    options.json
      ? createNdjsonSink(stdout)
      : createPrettySink(stdout, { chalk: makeChalk({ color: options.color, stream: stdout }), width: (stdout.isTTY && stdout.columns) || undefined }),
  ];
  if (options.har) sinks.push(createHarSink(options.har));
  const sink = fanOut(...sinks);

  let errors = 0;
  let warnings = 0;
  /** Connections of later files are numbered after those of earlier ones. */
  let connBase = 0;
  const show = (event: WireEvent) => {
    if (event.type === 'violation') {
      if (event.severity === 'error') errors++;
      else warnings++;
    }
    sink.write(event);
    store?.add(event);
  };
  try {
    for (const file of files) {
      let lastConn = 0;
      const base = connBase;
      const observe = rewrite && ((conn: number, event: FlowEvent) => (onlyConn === null || conn + base === onlyConn) && rewrite.stream(conn + base, event));
      // Frames carry their first payload bytes in every view, as the proxy's do.
      const result = await readCapture(file, { payloadHeads: true }, async (events) => {
        for (const recorded of events) {
          const event = connBase === 0 ? recorded : stamp(recorded, recorded.conn + connBase, recorded.ts);
          lastConn = Math.max(lastConn, event.conn - connBase);
          if (onlyConn !== null && event.conn !== onlyConn) continue;
          for (const shown of view ? view.push(event) : [event]) show(shown);
        }
        if (view) for (const shown of view.flush()) show(shown);
        if ((stdout.writableLength ?? 0) > HIGH_WATER) await once(stdout, 'drain');
      }, observe);
      connBase += lastConn;
      if (result.problem) problems.push(`${file}: ${result.problem}`);
      for (const note of result.notes) stderr.write(`wsinspect: ${escapeForTerminal(file)}: note: ${note}\n`);
    }
  } catch (err) {
    await sink.close();
    pcap?.close();
    await inspector?.close();
    if (err instanceof CaptureFileError) throw new UsageError(err.message);
    throw err;
  }
  await sink.close();
  pcap?.close();
  for (const problem of problems) stderr.write(`wsinspect: ${escapeForTerminal(problem)}\n`);
  if (inspector) {
    stderr.write(`wsinspect: inspector: ${inspector.url} (Ctrl-C to stop)\n`);
    await stop();
    await inspector.close();
  }
  if (problems.length > 0) return EXIT_USAGE;
  return errors > 0 || (options.strict && warnings > 0) ? EXIT_FAILED : EXIT_OK;
}

/**
 * --pcap OUT: only a packet capture has TCP streams to write. A HAR or an
 * NDJSON log keeps messages, not wire bytes: a pcapng made from it would be
 * frames, masks and compression invented, shown by Wireshark as if captured,
 * so it is refused before anything is read or written.
 */
async function openPcapFor(files: string[], out: string, onError: (message: string) => void): Promise<PcapngRecorder> {
  for (const file of files) {
    const format = await captureFormat(file).catch((err: unknown) => {
      throw err instanceof CaptureFileError ? new UsageError(err.message) : err;
    });
    if (format === 'har' || format === 'ndjson') {
      const what = format === 'har' ? 'a HAR file' : 'wsinspect NDJSON';
      throw new UsageError(`cannot write --pcap from ${file}: it is ${what}, which keeps messages, not the bytes on the wire (use a pcap or pcapng)`);
    }
  }
  return openPcap(out, onError);
}

async function startUi(at: { host: string; port: number }, store: EventStore, pcap: PcapngRecorder | null): Promise<InspectorServer> {
  try {
    return await startInspectorServer({ ...at, store, pcapng: pcap ? (conn) => pcap.export(conn) : undefined });
  } catch (err) {
    throw new UsageError(`${(err as Error).message} (choose another with --ui HOST:PORT)`);
  }
}

function filterView(source: string | undefined): FilterView | null {
  if (source === undefined) return null;
  try {
    return createFilterView(parseFilter(source));
  } catch (err) {
    if (err instanceof FilterSyntaxError) throw new UsageError(`invalid --filter: ${err.message}`);
    throw err;
  }
}
