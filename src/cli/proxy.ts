/**
 * `wsinspect proxy` (and `wsinspect` alone): the MITM proxy, by default in
 * front of the embedded echo server, with the pretty view, NDJSON or a HAR file.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { startEchoServer, type EchoServer } from '../echo/echo-server.js';
import { startProxy } from '../proxy/proxy-server.js';
import { parseEndpoint, type Endpoint } from '../net/endpoint.js';
import { createNdjsonSink } from '../render/ndjson.js';
import { createPrettySink } from '../render/pretty.js';
import { createHarSink } from '../render/har.js';
import { fanOut, type EventSink } from '../render/sink.js';
import { makeChalk } from '../render/color.js';
import { UsageError } from './errors.js';
import { parseCount, parseHostPort, parsePositiveNumber, parseUrlOption, untilSignalled } from './options.js';

export const DEFAULT_LISTEN = '127.0.0.1:8080';

export interface ProxyCliOptions {
  listen: string;
  upstream?: string;
  json?: boolean;
  har?: string;
  preview?: string;
  strict?: boolean;
  tlsCert?: string;
  tlsKey?: string;
  insecure?: boolean;
  color?: boolean;
  timeout: string;
  deflate?: boolean;
}

export function register(program: Command): void {
  program
    .command('proxy', { isDefault: true })
    .description('the MITM proxy: relays and inspects WebSocket traffic (default: in front of the embedded echo server)')
    .option('--listen <host:port>', 'where to listen (loopback unless you name another address)', DEFAULT_LISTEN)
    .option('--upstream <url>', 'the server to relay to: ws://, wss://, http:// or https:// (default: the embedded echo server)')
    .option('--json', 'NDJSON events on stdout instead of the pretty view')
    .option('--har <file>', 'write a HAR 1.2 file (with WebSocket messages) when the proxy stops')
    .option('--preview <bytes>', 'bytes of each message kept for text/base64 (default 65536)')
    .option('--strict', 'on a protocol violation, close both sides with 1002')
    .option('--tls-cert <file>', 'serve wss:// to clients with this PEM certificate (with --tls-key)')
    .option('--tls-key <file>', 'the PEM private key for --tls-cert')
    .option('--insecure', 'do not verify the upstream TLS certificate')
    .option('--timeout <seconds>', 'upstream connect and response deadline', '10')
    .option('--deflate', 'let the embedded echo server negotiate permessage-deflate')
    .option('--no-color', 'no colours in the pretty view (NO_COLOR is honoured too)')
    .action((options: ProxyCliOptions) => runProxy(options));
}

export async function runProxy(options: ProxyCliOptions, stop: Promise<unknown> = untilSignalled()): Promise<void> {
  const listen = parseHostPort(options.listen);
  const previewBytes = options.preview === undefined ? undefined : parseCount(options.preview, '--preview');
  const timeoutMs = parsePositiveNumber(options.timeout, '--timeout') * 1000;
  const tls = readTlsFiles(options);
  const explicitUpstream = options.upstream === undefined ? null : parseUrlOption(options.upstream);
  if (explicitUpstream && options.deflate) throw new UsageError('--deflate configures the embedded echo server; it cannot be used with --upstream');

  let echo: EchoServer | null = null;
  let upstream: Endpoint;
  if (explicitUpstream) upstream = explicitUpstream;
  else {
    echo = await startEchoServer({ host: '127.0.0.1', port: 0, deflate: options.deflate });
    upstream = parseEndpoint(echo.url);
  }

  const sinks: EventSink[] = [
    options.json
      ? createNdjsonSink(process.stdout)
      : createPrettySink(process.stdout, {
          chalk: makeChalk({ color: options.color }),
          // Fit the terminal; a pseudo-terminal may report 0 columns, and a pipe none: then 80.
          width: (process.stdout.isTTY && process.stdout.columns) || undefined,
        }),
  ];
  if (options.har) sinks.push(createHarSink(options.har));
  const sink = fanOut(...sinks);

  const proxy = await startProxy({
    ...listen,
    upstream,
    onEvent: (event) => sink.write(event),
    insecure: options.insecure,
    strict: options.strict,
    previewBytes,
    payloadHeads: !options.json, // only the pretty view shows per-frame payload previews
    tls,
    timeoutMs,
  }).catch(async (err: Error) => {
    await echo?.close();
    const hint = listen.port === 8080 && /in use/.test(err.message) ? ' (choose another with --listen HOST:PORT)' : ' (see --listen)';
    throw new UsageError(err.message + hint);
  });

  const banner = bannerLines(proxy.url, upstream, echo !== null);
  (options.json ? process.stderr : process.stdout).write(banner);

  await stop;
  await proxy.close();
  await sink.close();
  await echo?.close();
}

function bannerLines(proxyUrl: string, upstream: Endpoint, embedded: boolean): string {
  const page = proxyUrl.replace(/^ws/, 'http');
  const lines = [
    `wsinspect proxy listening on ${proxyUrl}`,
    `  upstream: ${upstream.url}${embedded ? ' (embedded echo server)' : ''}`,
    embedded ? `  open ${page} in a browser and press Send` : `  point your client at ${proxyUrl} instead of ${upstream.url}`,
    '  Ctrl-C to stop',
    '',
  ];
  return lines.join('\n') + '\n';
}

function readTlsFiles(options: ProxyCliOptions): { cert: Buffer; key: Buffer } | undefined {
  if (!options.tlsCert && !options.tlsKey) return undefined;
  if (!options.tlsCert || !options.tlsKey) throw new UsageError('--tls-cert and --tls-key go together');
  try {
    return { cert: readFileSync(options.tlsCert), key: readFileSync(options.tlsKey) };
  } catch (err) {
    throw new UsageError(`cannot read TLS files: ${(err as Error).message}`);
  }
}
