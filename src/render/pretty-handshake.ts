/**
 * The opening handshake in the pretty view: the request line or status line,
 * the headers as a table, and a verdict per check (✔, or ✘ with the
 * violation that failed it), including the Sec-WebSocket-Accept computation.
 */
import Table from 'cli-table3';
import { WEBSOCKET_GUID } from '../accept-calc/accept.js';
import type {
  ExtensionOffer,
  Header,
  HandshakeRequestEvent,
  HandshakeResponseEvent,
  ViolationEvent,
} from '../inspector/events.js';
import type { RuleId } from '../inspector/rules.js';
import { escapeForTerminal } from './escape.js';
import { indentUnder, violationLines } from './pretty-lines.js';
import { columns, eventLine, hanging, markedLines, plain, wrap, type Layout } from './pretty-text.js';
import type { Stamped } from './sink.js';

export type HandshakeEvent = Stamped<HandshakeRequestEvent> | Stamped<HandshakeResponseEvent>;
type Violations = Array<Stamped<ViolationEvent>>;

/** One verdict line: ✔ `passed` when `rule` did not fire (no line when `passed` is null), else ✘ per violation. */
interface Check<E> {
  rule: RuleId;
  passed: ((event: E) => string) | null;
  /** Lines shown before the verdict, whatever it is. */
  explain?: (event: E, layout: Layout) => string[];
  /** A clearer sentence than the violation's, when the event has the facts. */
  failed?: (event: E) => string | null;
}

const REQUEST_CHECKS: Array<Check<Stamped<HandshakeRequestEvent>>> = [
  // Rarely broken: shown only when they fail.
  { rule: 'handshake-method', passed: null },
  { rule: 'handshake-http-version', passed: null },
  { rule: 'handshake-missing-host', passed: null },
  { rule: 'handshake-upgrade-header', passed: () => 'Upgrade: websocket' },
  { rule: 'handshake-connection-header', passed: () => 'Connection: Upgrade' },
  { rule: 'handshake-key-invalid', passed: () => 'Sec-WebSocket-Key is base64 of 16 bytes' },
  { rule: 'handshake-version', passed: () => 'Sec-WebSocket-Version: 13' },
];

const RESPONSE_CHECKS: Array<Check<Stamped<HandshakeResponseEvent>>> = [
  { rule: 'handshake-upgrade-header', passed: () => 'Upgrade: websocket' },
  { rule: 'handshake-connection-header', passed: () => 'Connection: Upgrade' },
  {
    rule: 'handshake-accept-mismatch',
    passed: () => 'Sec-WebSocket-Accept matches',
    explain: acceptComputation,
    failed: ({ accept }) =>
      accept.expected !== null && accept.actual !== null
        ? `Sec-WebSocket-Accept expected ${accept.expected}, got ${accept.actual}`
        : null,
  },
  { rule: 'handshake-subprotocol-not-offered', passed: (event) => `subprotocol: ${event.subprotocol ?? 'none'}` },
  { rule: 'handshake-extension-not-offered', passed: (event) => `extensions: ${extensionList(event.extensions)}` },
];

/** The whole block for a handshake event and the violations that followed it. */
export function handshakeLines(event: HandshakeEvent, violations: Violations, layout: Layout): string[] {
  return event.type === 'handshake-request'
    ? requestLines(event, violations, layout)
    : responseLines(event, violations, layout);
}

function requestLines(event: Stamped<HandshakeRequestEvent>, violations: Violations, layout: Layout): string[] {
  const title = escapeForTerminal(`${event.method} ${event.path} HTTP/${event.httpVersion}`);
  return [
    ...hanging(eventLine(event.conn, event.ts, 'client', layout), title, layout.width, layout.chalk.bold),
    ...headerTable(event.headers, layout),
    ...verdicts(REQUEST_CHECKS, event, violations, layout),
  ];
}

function responseLines(event: Stamped<HandshakeResponseEvent>, violations: Violations, layout: Layout): string[] {
  const { chalk } = layout;
  const upgraded = event.status === 101;
  const title = escapeForTerminal(`${event.status} ${event.reason}`);
  const lines = [
    ...hanging(eventLine(event.conn, event.ts, 'server', layout), title, layout.width, upgraded ? chalk.bold : chalk.red.bold),
    ...headerTable(event.headers, layout),
  ];
  if (upgraded) return [...lines, ...verdicts(RESPONSE_CHECKS, event, violations, layout)];
  // Not an upgrade: there is nothing else to check.
  const refusal = `no upgrade: the server answered ${title}, not 101 Switching Protocols`;
  return [...lines, ...markedLines(indentUnder(event.conn), '✘', refusal, layout.width, chalk.red)];
}

/** A name | value table, values escaped and wrapped to fit the width. */
function headerTable(headers: Header[], layout: Layout): string[] {
  if (!layout.headerTables) return [];
  if (headers.length === 0) return [];
  const names = headers.map(([name]) => escapeForTerminal(name));
  const values = headers.map(([, value]) => escapeForTerminal(value));
  // Names up to Sec-WebSocket-Extensions (24) fit whole unless the terminal is narrow.
  // Each cell has a column of padding either side, and there are 3 borders.
  const nameWidth = Math.min(Math.max(4, ...names.map(columns)), 24, Math.floor(layout.width / 3));
  const valueWidth = Math.max(8, layout.width - nameWidth - 7);
  const table = new Table({
    colWidths: [nameWidth + 2, valueWidth + 2],
    wordWrap: false,
    // Colours come from our chalk only (cli-table3's own would ignore --no-color).
    style: { head: [], border: [], compact: true },
  });
  const cell = (text: string, width: number, paint = plain): string =>
    wrap(text, width)
      .map((line) => paint(line))
      .join('\n');
  for (let i = 0; i < headers.length; i++) {
    table.push([cell(names[i]!, nameWidth, layout.chalk.bold), cell(values[i]!, valueWidth)]);
  }
  return table.toString().split('\n');
}

function verdicts<E extends HandshakeEvent>(checks: Array<Check<E>>, event: E, violations: Violations, layout: Layout): string[] {
  const { chalk, width } = layout;
  const indent = indentUnder(event.conn);
  const lines: string[] = [];
  for (const check of checks) {
    lines.push(...(check.explain?.(event, layout) ?? []));
    const fired = violations.filter((v) => v.rule === check.rule);
    for (const v of fired) lines.push(...violationLines(v, layout, check.failed?.(event) ?? v.message));
    if (fired.length === 0 && check.passed) {
      lines.push(...markedLines(indent, '✔', escapeForTerminal(check.passed(event)), width, chalk.green, plain));
    }
  }
  // A rule these checks don't list still shows rather than vanish.
  const listed = new Set(checks.map((check) => check.rule));
  for (const v of violations) if (!listed.has(v.rule)) lines.push(...violationLines(v, layout));
  return lines;
}

/** `base64(SHA-1(key + 258EAFA5-…)) = expected`, on two lines when one is too narrow. */
function acceptComputation(event: Stamped<HandshakeResponseEvent>, layout: Layout): string[] {
  if (event.accept.expected === null) return [];
  const indent = indentUnder(event.conn);
  const formula = `${indent}  base64(SHA-1(key + ${WEBSOCKET_GUID}))`;
  const result = `= ${event.accept.expected}`;
  const dim = layout.chalk.dim;
  if (columns(`${formula} ${result}`) <= layout.width) return [dim(`${formula} ${result}`)];
  return [dim(formula), dim(`${indent}    ${result}`)];
}

/** `permessage-deflate; client_max_window_bits=15, x-other`, or `none`. */
function extensionList(extensions: ExtensionOffer[]): string {
  if (extensions.length === 0) return 'none';
  const one = ({ name, params }: ExtensionOffer): string =>
    [name, ...Object.entries(params).map(([key, value]) => (value === true ? key : `${key}=${value}`))].join('; ');
  return extensions.map(one).join(', ');
}
