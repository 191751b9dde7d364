/**
 * `wsinspect send`: injects one frame into a live connection of a running
 * proxy, or releases a message it holds (--release), through the inspector
 * API. The arguments become one API call (buildApiCall, pure); the answer is
 * one line. Exit 0 when the API took it, 1 when it refused (or cannot be
 * reached), 2 on a usage error.
 */
import type { Command } from 'commander';
import { DEFAULT_UI } from '../ui/server.js';
import { escapeForTerminal } from '../render/escape.js';
import { CheckFailed, UsageError } from './errors.js';
import { parseHexText } from './hex-text.js';
import { parseHostPort } from './options.js';
import { formatAddress } from '../net/endpoint.js';

export interface SendCliOptions {
  ui: string;
  to: string;
  binary?: string;
  ping?: string | true;
  pong?: string | true;
  close?: boolean;
  release?: string;
  drop?: boolean;
  edit?: string;
}

export interface ApiCall {
  path: string;
  body: Record<string, unknown>;
  /** What was asked, for the confirmation line. */
  summary: string;
}

const HELP_AFTER = `
Examples:
  wsinspect send 3 'hello server'                   a text message toward the server of connection 3
  wsinspect send 3 --to client --binary 'de ad be ef'
  wsinspect send 3 --ping                           a ping (empty payload); --ping TEXT carries TEXT
  wsinspect send 3 --close 4000 'going away'        a close frame with code and reason
  wsinspect send --release 7 --edit 'changed'       forward held message 7 with new text
  wsinspect send --release 7 --drop

Exit status: 0 the inspector took it, 1 it refused (the reason is printed), 2 usage error.`;

export function register(program: Command): void {
  program
    .command('send')
    .description('inject a frame into a live proxied connection, or release an intercepted message (through the inspector API)')
    .argument('[conn]', 'the connection number (as the proxy shows it)')
    .argument('[args...]', 'TEXT to send; with --close: [CODE [REASON]]')
    .option('--ui <host:port>', 'the running proxy\'s inspector', DEFAULT_UI)
    .option('--to <side>', 'server or client', 'server')
    .option('--binary <hex>', 'a binary message of these bytes')
    .option('--ping [text]', 'a ping, with TEXT as its payload')
    .option('--pong [text]', 'an unsolicited pong, with TEXT as its payload')
    .option('--close', 'a close frame: [CODE [REASON]] follow the connection number')
    .option('--release <id>', 'release intercepted message ID (forward it unless --drop or --edit)')
    .option('--drop', 'with --release: drop the message')
    .option('--edit <text>', 'with --release: forward TEXT instead')
    .addHelpText('after', HELP_AFTER)
    .action(async (conn: string | undefined, args: string[], options: SendCliOptions) => {
      const at = parseHostPort(options.ui, '--ui');
      const call = buildApiCall(conn, args, options);
      process.stdout.write(`${await post(formatAddress(at.host, at.port), call)}\n`);
    });
}

/** The API call the arguments ask for; a UsageError when they do not make one. */
export function buildApiCall(conn: string | undefined, args: string[], options: Omit<SendCliOptions, 'ui'>): ApiCall {
  if (options.release !== undefined) {
    if (conn !== undefined) throw new UsageError('--release takes only the message id (no connection number or text)');
    if (!/^\d+$/.test(options.release)) throw new UsageError(`invalid --release "${options.release}": expected a message id`);
    if (options.drop && options.edit !== undefined) throw new UsageError('--drop and --edit exclude each other');
    const action = options.drop ? 'drop' : options.edit !== undefined ? 'edit' : 'forward';
    const body: Record<string, unknown> = { action };
    if (options.edit !== undefined) body.text = options.edit;
    return { path: `/api/intercepted/${options.release}`, body, summary: `message ${options.release}: ${action}` };
  }
  if (options.drop || options.edit !== undefined) throw new UsageError('--drop and --edit go with --release ID');
  if (conn === undefined) throw new UsageError('give the connection number (see the proxy\'s output or the inspector page)');
  if (!/^[1-9]\d*$/.test(conn)) throw new UsageError(`invalid connection "${conn}": expected a number from 1`);
  if (options.to !== 'server' && options.to !== 'client') throw new UsageError(`invalid --to "${options.to}": expected server or client`);
  const kinds = [options.binary !== undefined, options.ping !== undefined, options.pong !== undefined, Boolean(options.close)];
  const chosen = kinds.filter(Boolean).length;
  if (chosen > 1) throw new UsageError('choose one of TEXT, --binary, --ping, --pong, --close');
  const to = options.to;
  const call = (body: Record<string, unknown>, what: string): ApiCall => ({
    path: `/api/connections/${conn}/send`,
    body: { to, ...body },
    summary: `${what} toward the ${to} of connection ${conn}`,
  });

  if (options.close) {
    if (args.length > 2) throw new UsageError('--close takes at most CODE and REASON');
    if (args.length === 0) return call({ type: 'close' }, 'close (no code)');
    const code = Number(args[0]);
    if (!/^\d+$/.test(args[0]!) || code > 65535) throw new UsageError(`invalid close code "${args[0]}": expected a number from 0 to 65535`);
    return call({ type: 'close', code, reason: args[1] ?? '' }, `close ${code}`);
  }
  if (chosen === 1 && args.length > 0) throw new UsageError(`unexpected argument "${args[0]}" (TEXT goes without --binary/--ping/--pong)`);
  if (options.binary !== undefined) {
    const bytes = parseHexText(options.binary);
    return call({ type: 'binary', base64: bytes.toString('base64') }, `binary message (${bytes.length} bytes)`);
  }
  for (const type of ['ping', 'pong'] as const) {
    const value = options[type];
    if (value !== undefined) return call(value === true ? { type } : { type, text: value }, type);
  }
  if (args.length !== 1) throw new UsageError(args.length === 0 ? 'nothing to send: give TEXT, --binary, --ping, --pong or --close' : 'give the text as one argument (quote it)');
  return call({ type: 'text', text: args[0] }, `text message (${Buffer.byteLength(args[0]!)} bytes)`);
}

/** POSTs the call; the confirmation line, or CheckFailed with the inspector's reason. */
async function post(authority: string, call: ApiCall): Promise<string> {
  const url = `http://${authority}${call.path}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...tokenHeader() },
      body: JSON.stringify(call.body),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new CheckFailed(`cannot reach the inspector at http://${authority}/ (${cause?.code ?? cause?.message ?? (err as Error).message}); is the proxy running with its inspector (--ui)?`);
  }
  const text = await response.text();
  if (response.ok) return `sent: ${call.summary}`;
  let reason = text;
  try {
    reason = (JSON.parse(text) as { error?: string }).error ?? text;
  } catch {
    // not JSON: the text as it is
  }
  throw new CheckFailed(`the inspector refused (${response.status}): ${escapeForTerminal(reason.trim().slice(0, 300))}`);
}

/** A non-loopback inspector needs the banner's token: WSINSPECT_TOKEN carries it. */
function tokenHeader(): Record<string, string> {
  const token = process.env.WSINSPECT_TOKEN;
  return token ? { authorization: `Bearer ${token}` } : {};
}
