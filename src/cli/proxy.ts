/**
 * `wsinspect proxy` (and `wsinspect` alone): the MITM proxy, by default in
 * front of the embedded echo server, with the pretty view, NDJSON or a HAR file.
 */
import type { Command } from 'commander';
import type { EchoServer, EngineName } from '../echo/echo-server.js';
import { ListenError } from '../net/listen-error.js';
import { startProxy, type RunningProxy } from '../proxy/proxy-server.js';
import type { ActTarget } from '../act/api.js';
import type { WireEvent } from '../inspector/events.js';
import { Interceptor } from '../proxy/interceptor.js';
import { parseEndpoint, type Endpoint } from '../net/endpoint.js';
import { createNdjsonSink } from '../render/ndjson.js';
import { createPrettySink } from '../render/pretty.js';
import type { DetailLevel } from '../render/pretty-detail.js';
import { createHarSink } from '../render/har.js';
import { fanOut, type EventSink } from '../render/sink.js';
import { createFilteredSink } from '../render/filtered.js';
import { createLossySink } from '../render/lossy.js';
import { DEFAULT_OUTPUT_QUEUE, OutputQueue } from '../render/output-queue.js';
import { makeChalk } from '../render/color.js';
import { echoEngineOption, startEcho } from './echo-engine.js';
import { MODE_HELP, parseForwardOptions, registerForwardOptions, type ForwardCliOptions } from './forward-options.js';
import { caPaths, loadOrCreateCa, type LoadedCa } from '../tls-intercept/ca-store.js';
import { openPcap } from './pcap-option.js';
import type { PcapngRecorder } from '../capture/pcapng-recorder.js';
import { EXIT_FAILED, UsageError } from './errors.js';
import { checkOutputFile } from './command-line-files.js';
import { loadTlsFiles } from './tls-files.js';
import { fileOutput } from './stdout-file.js';
import { watchStdout } from './stdout-closed.js';
import { escapeForTerminal } from '../render/escape.js';
import { parseCount, parseFilterOption, parseHostPort, parsePositiveNumber, parseSize, parseUrlOption, untilStopped } from './options.js';
import { DEFAULT_KEEP_BYTES, EventStore } from '../ui/event-store.js';
import { createStoreNdjsonSink } from '../ui/store-ndjson.js';
import { DEFAULT_UI, startInspectorServer, type InspectorServer } from '../ui/server.js';

export const DEFAULT_LISTEN = '127.0.0.1:8080';

export interface ProxyCliOptions extends ForwardCliOptions {
  listen: string;
  upstream?: string;
  json?: boolean;
  jsonLossy?: boolean;
  jsonQueue?: string;
  har?: string;
  pcap?: string;
  preview?: string;
  detail?: string;
  strict?: boolean;
  tlsCert?: string;
  tlsKey?: string;
  insecure?: boolean;
  color?: boolean;
  timeout: string;
  deflate?: boolean;
  filter?: string;
  intercept?: string;
  full?: boolean;
  interceptTimeout: string;
  /** HOST:PORT, or false with --no-ui. */
  ui: string | false;
  keep?: string;
  echoEngine?: EngineName;
}

export function register(program: Command): void {
  const command = program
    .command('proxy', { isDefault: true })
    .description('the MITM proxy: relays and inspects WebSocket traffic (default: in front of the embedded echo server)')
    .option('--listen <host:port>', 'where to listen (loopback unless you name another address)', DEFAULT_LISTEN)
    .option('--upstream <url>', 'the server to relay to: ws://, wss://, http:// or https:// (default: the embedded echo server)')
    .option('--json', 'NDJSON events on stdout instead of the pretty view')
    .option('--json-lossy', 'when stdout cannot keep up, drop events (reported as "dropped" events) rather than slow the relay')
    .option('--json-queue <size>', 'the most output queued for a slow stdout before the relay waits (or --json-lossy drops)', '64MiB')
    .option('--har <file>', 'write a HAR 1.2 file (with WebSocket messages) when the proxy stops')
    .option('--pcap <file>', 'write a pcapng of what crosses the proxy, as it crosses (Wireshark, tshark)')
    .option('--preview <bytes>', 'bytes of each message kept for text/base64 (default 65536)')
    .option('--detail <0-4>', 'pretty view: 0 connections, 1 handshakes and messages, 2 frames too (default), 3 message bodies, 4 frame hex')
    .option('--strict', 'on a protocol violation, close both sides with 1002')
    .option('--tls-cert <file>', 'serve wss:// to clients with this PEM certificate (with --tls-key)')
    .option('--tls-key <file>', 'the PEM private key for --tls-cert')
    .option('--insecure', 'do not verify the upstream TLS certificate')
    .option('--timeout <seconds>', 'upstream connect and response deadline', '10')
    .option('--deflate', 'let the embedded echo server negotiate permessage-deflate')
    .option('--filter <expr>', 'show only what matches EXPR (see the filter language in the README); never changes what is forwarded')
    .option('--ui <host:port>', 'serve the web inspector there', DEFAULT_UI)
    .option('--no-ui', 'no web inspector')
    .option('--keep <size>', 'history kept for the inspector, e.g. 256MiB (oldest closed connections go first)', '256MiB')
    .addOption(echoEngineOption())
    .option('--full', 'NDJSON and HAR keep whole payloads (for wsinspect replay)')
    .option('--intercept <expr>', 'hold every data message matching EXPR until released (inspector page, API, wsinspect send --release)')
    .option('--intercept-timeout <seconds>', 'forward a held message unchanged after this long', '60')
    .option('--no-color', 'no colours in the pretty view (NO_COLOR is honoured too)');
  registerForwardOptions(command)
    .addHelpText('after', MODE_HELP)
    .action((options: ProxyCliOptions) => runProxy(options));
}

export async function runProxy(options: ProxyCliOptions, stop: Promise<unknown> = untilStopped()): Promise<void> {
  const listen = parseHostPort(options.listen);
  if (options.full && options.preview !== undefined) throw new UsageError('--full and --preview exclude each other');
  // --full: whole payloads in every event (NDJSON, HAR), for replay.
  const previewBytes = options.full ? Number.MAX_SAFE_INTEGER : options.preview === undefined ? undefined : parseCount(options.preview, '--preview');
  const detail = parseDetail(options.detail);
  const timeoutMs = parsePositiveNumber(options.timeout, '--timeout') * 1000;
  const tls = loadTlsFiles(options.tlsCert, options.tlsKey);
  if (options.har) checkOutputFile('--har', options.har);
  const filter = parseFilterOption(options.filter);
  const intercept = options.intercept === undefined ? null : parseFilterOption(options.intercept, '--intercept');
  const interceptTimeoutMs = parsePositiveNumber(options.interceptTimeout, '--intercept-timeout') * 1000;
  const uiAt = options.ui === false ? null : parseHostPort(options.ui, '--ui');
  const queueLimit = options.jsonQueue === undefined ? DEFAULT_OUTPUT_QUEUE : parseSize(options.jsonQueue, '--json-queue');
  if (queueLimit < 1) throw new UsageError('--json-queue must be at least one byte');
  const keepBytes = options.keep === undefined ? DEFAULT_KEEP_BYTES : parseSize(options.keep, '--keep');
  const explicitUpstream = options.upstream === undefined ? null : parseUrlOption(options.upstream);
  if (explicitUpstream && options.deflate) throw new UsageError('--deflate configures the embedded echo server; it cannot be used with --upstream');
  if (explicitUpstream && options.echoEngine) throw new UsageError('--echo-engine configures the embedded echo server; it cannot be used with --upstream');
  const forward = parseForwardOptions(options, listen.host, explicitUpstream !== null);
  if (forward && (options.deflate || options.echoEngine)) throw new UsageError('--deflate and --echo-engine configure the embedded echo server, which forward mode does not start');
  if (forward && tls) throw new UsageError('--tls-cert/--tls-key serve wss:// in reverse mode; forward mode intercepts TLS inside CONNECT tunnels');

  const pcap = options.pcap === undefined ? undefined : openPcap(options.pcap);
  let echo: EchoServer | null = null;
  let upstream: Endpoint | null = null;
  if (explicitUpstream) upstream = explicitUpstream;
  else if (!forward) {
    echo = await startEcho({ host: '127.0.0.1', port: 0, deflate: options.deflate, echoEngine: options.echoEngine });
    upstream = parseEndpoint(echo.url);
  }

  // stdout's backlog is bounded: past it the relay stops reading (or, --json-lossy, events are dropped).
  // A file or /dev/null is written at once, from a reused buffer (stdout-file.ts).
  const file = fileOutput(1, process.stdout.isTTY);
  if (file) watchStdout(file);
  const stdout = new OutputQueue(file ?? process.stdout, queueLimit);
  const store = uiAt ? new EventStore(keepBytes) : null;
  // With the inspector on, --json of every event prints the store's bytes (one serialization for both).
  const view = options.json
    ? store && filter.empty && !options.jsonLossy
      ? createStoreNdjsonSink(store, stdout, { doneOnReturn: file !== null })
      : createNdjsonSink(stdout)
    : createPrettySink(stdout, {
        chalk: makeChalk({ color: options.color }),
        detail,
        batched: true,
        // Fit the terminal; a pseudo-terminal may report 0 columns, and a pipe none: then 80.
        width: (process.stdout.isTTY && process.stdout.columns) || undefined,
      });
  const sinks: EventSink[] = [createFilteredSink(filter, options.jsonLossy ? createLossySink(view, stdout) : view)];
  if (options.har) sinks.push(createHarSink(options.har, { onFallback: reportHarFallback(options.har), clientTls: forward ? undefined : tls !== undefined }));
  const sink = fanOut(...sinks);
  const ca = forward ? await loadCa() : null;
  // The inspector starts first (its port is checked before the proxy's); its acting routes reach the proxy once it runs.
  let running: RunningProxy | null = null;
  const interceptor = new Interceptor(intercept, interceptTimeoutMs);
  const act: ActTarget = {
    inject: (conn, from, frame) => (running ? running.inject(conn, from, frame) : 'unknown'),
    known: (conn) => store?.has(conn) ?? false,
    intercept: interceptor,
    events: (conn) => (store?.has(conn) ? store.jsonOf(conn).map((text) => JSON.parse(text) as WireEvent) : null),
    // Forward mode's listener is an HTTP proxy, which our client does not speak: there replays go straight upstream.
    replayVia: () => (running && !forward ? parseEndpoint(running.url) : null),
  };
  const inspector = uiAt ? await startUi(uiAt, store!, echo, act, pcap) : null;

  const proxy = await startProxy({
    ...listen,
    upstream: upstream ?? undefined,
    forward: forward && ca ? { ...forward, ca } : undefined,
    onEvent: (event) => {
      store?.add(event);
      sink.write(event);
    },
    insecure: options.insecure,
    strict: options.strict,
    previewBytes,
    // The pretty view and the inspector show each frame's first payload bytes; NDJSON carries them
    // too, so a --json file can rebuild every view of the inspector. The cost: at most 80 characters
    // per frame line (64 B text messages: NDJSON ~15% longer) and a hex of 32 bytes per frame.
    payloadHeads: true,
    tls,
    timeoutMs,
    pcap,
    interceptor,
  }).catch(async (err: Error) => {
    await inspector?.close();
    await echo?.close();
    pcap?.close();
    const taken = err instanceof ListenError && err.code === 'EADDRINUSE';
    const hint = taken && listen.port === 8080 ? ' (choose another with --listen HOST:PORT)' : ' (see --listen)';
    throw new UsageError(err.message + hint);
  });

  running = proxy;
  if (!options.jsonLossy) stdout.onChange((full) => proxy.pauseReading(full));
  const banner = upstream
    ? bannerLines(proxy.url, upstream, echo, inspector?.url ?? null)
    : forwardBanner(proxy.url, ca!.paths.cert, inspector?.url ?? null);
  (options.json ? process.stderr : process.stdout).write(banner);

  await stop;
  await proxy.close();
  await inspector?.close();
  pcap?.close();
  await sink.close();
  await echo?.close();
}

/** The inspector's server; a taken port is a usage error naming --ui (exit 2). */
async function startUi(
  at: { host: string; port: number },
  store: EventStore,
  echo: EchoServer | null,
  act: ActTarget,
  pcap: PcapngRecorder | undefined,
): Promise<InspectorServer> {
  try {
    return await startInspectorServer({ ...at, store, act, pcapng: pcap && ((conn) => pcap.export(conn)) });
  } catch (err) {
    await echo?.close();
    const hint = err instanceof ListenError ? ' (choose another with --ui HOST:PORT, or --no-ui)' : '';
    throw new UsageError((err as Error).message + hint);
  }
}

function bannerLines(proxyUrl: string, upstream: Endpoint, echo: EchoServer | null, inspectorUrl: string | null): string {
  const page = proxyUrl.replace(/^ws/, 'http');
  const lines = [
    `wsinspect proxy listening on ${proxyUrl}`,
    `  upstream: ${upstream.url}${echo ? `, the embedded echo server (${echo.engine})` : ''}`,
    ...(inspectorUrl ? [`  inspector: ${inspectorUrl}`] : []),
    echo ? `  open ${page} in a browser and press Send` : `  point your client at ${proxyUrl} instead of ${upstream.url}`,
    '  Ctrl-C to stop',
    '',
  ];
  return lines.join('\n') + '\n';
}

function forwardBanner(proxyUrl: string, caFile: string, inspectorUrl: string | null): string {
  const lines = [
    `wsinspect forward proxy listening on ${proxyUrl}`,
    ...(inspectorUrl ? [`  inspector: ${inspectorUrl}`] : []),
    `  point your client's HTTP proxy at it, e.g. chromium --proxy-server=${proxyUrl} --proxy-bypass-list='<-loopback>'`,
    `  wss:// is intercepted with the CA in ${caFile} (how to trust it: wsinspect ca --help)`,
    '  Ctrl-C to stop',
    '',
  ];
  return lines.join('\n') + '\n';
}

/** The interception CA, made on first use; a failure (an unwritable home) is a one-line usage error. */
async function loadCa(): Promise<LoadedCa> {
  try {
    return await loadOrCreateCa(caPaths());
  } catch (err) {
    throw new UsageError(`cannot use the interception CA: ${(err as Error).message}`);
  }
}

/** A HAR written elsewhere than asked is said on stderr, and the exit status is 1. */
function reportHarFallback(asked: string): (written: string, reason: string) => void {
  return (written, reason) => {
    process.stderr.write(`wsinspect: cannot write --har ${escapeForTerminal(asked)} (${reason}); wrote ${escapeForTerminal(written)} instead\n`);
    process.exitCode = EXIT_FAILED;
  };
}

function parseDetail(text: string | undefined): DetailLevel | undefined {
  if (text === undefined) return undefined;
  if (!/^[0-4]$/.test(text)) throw new UsageError(`invalid --detail "${text}": expected 0 to 4`);
  return Number(text) as DetailLevel;
}
