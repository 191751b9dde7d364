/**
 * What a line typed into `wsinspect connect` (or read from piped stdin) asks
 * for: a text message, or a slash command. Pure: the connection acts on it.
 */
import { parseHexText } from '../cli/hex-text.js';

export type LineAction =
  | { kind: 'text'; text: string }
  | { kind: 'binary'; bytes: Buffer }
  | { kind: 'ping'; payload: string }
  | { kind: 'close'; code: number; reason: string }
  | { kind: 'fragment'; count: number; text: string }
  | { kind: 'help' }
  | { kind: 'nothing' }
  /** A command that cannot be carried out; nothing is sent. */
  | { kind: 'invalid'; message: string };

export const LINE_HELP = `Type a line to send it as a text message. Commands:
  /binary HEX             send a binary message (hex bytes: "01 02 ff", "0x01,0x02")
  /ping [text]            send a ping; the server's pong is shown
  /close [code] [reason]  close (default 1000) and wait for the server's close
  /fragment N TEXT        send TEXT as one message in N frames
  /help                   this help
  //text                  send "/text" (a text message starting with a slash)
An empty line sends nothing. Ctrl-D (end of input) closes with 1000.`;

/** Control frame payloads are at most 125 bytes (RFC 6455 5.5); a close payload starts with the 2-byte code. */
const CONTROL_MAX = 125;

export function parseLine(line: string): LineAction {
  if (line === '') return { kind: 'nothing' };
  if (line.startsWith('//')) return { kind: 'text', text: line.slice(1) };
  if (!line.startsWith('/')) return { kind: 'text', text: line };
  const match = /^\/(\S+)(?: (.*))?$/s.exec(line);
  const command = match?.[1] ?? '';
  const rest = match?.[2] ?? '';
  switch (command) {
    case 'binary':
      return binary(rest);
    case 'ping':
      return Buffer.byteLength(rest) > CONTROL_MAX
        ? invalid(`/ping: the payload is ${Buffer.byteLength(rest)} bytes; control frames allow ${CONTROL_MAX}`)
        : { kind: 'ping', payload: rest };
    case 'close':
      return close(rest);
    case 'fragment':
      return fragment(rest);
    case 'help':
      return { kind: 'help' };
    default:
      return invalid(`unknown command /${command} (try /help; //text sends "/text")`);
  }
}

function binary(hex: string): LineAction {
  try {
    return { kind: 'binary', bytes: parseHexText(hex) };
  } catch (err) {
    return invalid(`/binary: ${(err as Error).message}`);
  }
}

function close(args: string): LineAction {
  const match = /^(\d+)?(?: ?(.*))?$/s.exec(args);
  const code = match?.[1] === undefined ? 1000 : Number(match[1]);
  const reason = match?.[2] ?? '';
  if (!match || code > 65535) return invalid('/close: expected /close [code] [reason], the code a number like 1000');
  if (2 + Buffer.byteLength(reason) > CONTROL_MAX) return invalid(`/close: the reason is too long; it may take ${CONTROL_MAX - 2} bytes`);
  return { kind: 'close', code, reason };
}

function fragment(args: string): LineAction {
  const match = /^(\d+) (.*)$/s.exec(args);
  const count = Number(match?.[1]);
  if (!match || count < 1) return invalid('/fragment: expected /fragment N TEXT, N at least 1');
  return { kind: 'fragment', count, text: match[2]! };
}

function invalid(message: string): LineAction {
  return { kind: 'invalid', message };
}
