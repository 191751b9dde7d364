/**
 * What a filter matches: a "subject" is a frame or a message with the
 * violations that came right after it (the core emits a violation right after
 * the frame or message that caused it), or a violation of its own (the
 * handshake's). Each term of the contract is a predicate over one subject.
 *
 * Pure: no node: imports (the inspector page bundles this file).
 */
import type { MessageEvent, ViolationEvent, WireEvent } from '../inspector/events.js';
import type { Clause, FilterAst, Term } from './parse.js';

export interface FilterSubject {
  /** The frame, message or violation; any other event is matched by its connection alone. */
  event: WireEvent;
  /** The violations that followed it on the wire (empty when none). */
  violations: readonly ViolationEvent[];
  /** The host of the connection's upstream (from its `connection` event), null when unknown. */
  host: string | null;
  /**
   * Optional, for a data frame: the message it belongs to, when the caller
   * knows it (the page's store does; a stream doesn't yet). Text and regex
   * terms then look at that message's text, so a message's frames show with it.
   */
  message?: MessageEvent;
}

export type Predicate = (subject: FilterSubject) => boolean;

/** A parsed and compiled filter expression. */
export interface Filter {
  readonly source: string;
  readonly ast: FilterAst;
  readonly empty: boolean;
  readonly connectionLevel: boolean;
  readonly needsFollowers: boolean;
  matches(subject: FilterSubject): boolean;
}

export function compile(ast: FilterAst): Predicate {
  const tests = ast.clauses.map(clauseTest);
  if (tests.length === 0) return () => true;
  return (subject) => tests.every((test) => test(subject));
}

function clauseTest({ term, negated }: Clause): Predicate {
  const test = termTest(term);
  return negated ? (subject) => !test(subject) : test;
}

function termTest(term: Term): Predicate {
  switch (term.kind) {
    case 'keyword':
      return keywordTest(term.word);
    case 'rule':
      return ({ event, violations }) =>
        (event.type === 'violation' && event.rule === term.rule) || violations.some((v) => v.rule === term.rule);
    case 'conn':
      return ({ event }) => event.conn === term.conn;
    case 'host':
      return ({ host }) => host !== null && term.pattern.test(host);
    case 'size':
      return ({ event }) => {
        const size = sizeOf(event);
        if (size === null) return false;
        return term.op === '<' ? size < term.bytes : term.op === '>' ? size > term.bytes : size === term.bytes;
      };
    case 'substring':
      return (subject) => contentOf(subject)?.includes(term.needle) ?? false;
    case 'regex':
      return (subject) => {
        const content = contentOf(subject);
        return content !== null && term.pattern.test(content);
      };
  }
}

function keywordTest(word: Extract<Term, { kind: 'keyword' }>['word']): Predicate {
  switch (word) {
    case 'client':
    case 'server':
      return ({ event }) => 'from' in event && event.from === word;
    case 'text':
    case 'binary':
      return ({ event }) => kindOf(event) === word;
    case 'close':
    case 'ping':
    case 'pong':
      return ({ event }) => event.type === 'frame' && event.opcodeName === word;
    case 'control':
      return ({ event }) => event.type === 'frame' && (event.opcode & 0x8) !== 0;
    case 'data':
      return ({ event }) => event.type === 'message' || (event.type === 'frame' && (event.opcode & 0x8) === 0);
    case 'violation':
      return ({ event, violations }) => event.type === 'violation' || violations.length > 0;
  }
}

/** text/binary: a message's kind, a frame's opcode, or (continuations) the kind of the message it belongs to. */
function kindOf(event: WireEvent): string | null {
  if (event.type === 'message') return event.kind;
  if (event.type !== 'frame') return null;
  if (event.opcode === 1) return 'text';
  if (event.opcode === 2) return 'binary';
  // `messageKind` is added to frame events by the connection refactor; read it loosely until then.
  if (event.opcode === 0) return (event as { messageKind?: string | null }).messageKind ?? null;
  return null;
}

/** Payload bytes after inflation: a message's size; for a frame, its payload length. */
function sizeOf(event: WireEvent): number | null {
  if (event.type === 'message') return event.size;
  if (event.type === 'frame') return event.payloadLength;
  return null;
}

const decoder = new TextDecoder();
const contentCache = new WeakMap<object, string | null>();

/**
 * What "substring" and /regex/ look at: a message's text (binary: lowercase
 * hex of its bytes), a close frame's reason, a ping or pong payload as text;
 * a data frame through its message when the subject names one.
 */
function contentOf(subject: FilterSubject): string | null {
  const { event } = subject;
  if (event.type === 'frame' && subject.message && (event.opcode & 0x8) === 0) return messageContent(subject.message);
  if (event.type === 'message') return messageContent(event);
  if (event.type !== 'frame') return null;
  if (event.close) return event.close.reason;
  if (event.opcode !== 0x9 && event.opcode !== 0xa) return null;
  const hex = (event as { payloadHex?: string }).payloadHex ?? event.payloadHead ?? '';
  return decoder.decode(hexBytes(hex));
}

function messageContent(message: MessageEvent): string {
  if (message.text !== undefined) return message.text;
  let content = contentCache.get(message);
  if (content === undefined) {
    content = base64Hex(message.base64 ?? '');
    contentCache.set(message, content);
  }
  return content ?? '';
}

function base64Hex(base64: string): string {
  const binary = atob(base64);
  let hex = '';
  for (let i = 0; i < binary.length; i++) hex += binary.charCodeAt(i).toString(16).padStart(2, '0');
  return hex;
}

function hexBytes(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}
