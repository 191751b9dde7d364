/**
 * The replay's verdict: the server's messages now against the recorded ones.
 * `exact`: the same sequence of kind + payload; `count`: as many messages;
 * `none`: anything goes. The first difference says where and how, briefly.
 */
import { escapeForTerminal } from '../render/escape.js';

export type CompareMode = 'exact' | 'count' | 'none';
export const COMPARE_MODES: CompareMode[] = ['exact', 'count', 'none'];

export interface Compared {
  kind: 'text' | 'binary';
  payload: Buffer;
}

export interface Difference {
  /** 0-based index of the first message that differs (or is missing / extra). */
  index: number;
  expected: string;
  actual: string;
  /** One line: where the two part. */
  diff: string;
}

const SHOWN = 60;

export function compareMessages(expected: Compared[], actual: Compared[], mode: CompareMode): Difference | null {
  if (mode === 'none') return null;
  if (mode === 'count') {
    if (expected.length === actual.length) return null;
    const index = Math.min(expected.length, actual.length);
    return {
      index,
      expected: `${expected.length} messages`,
      actual: `${actual.length} messages`,
      diff: expected.length > actual.length ? `${expected.length - actual.length} fewer than recorded` : `${actual.length - expected.length} more than recorded`,
    };
  }
  for (let i = 0; i < Math.max(expected.length, actual.length); i++) {
    const want = expected[i];
    const got = actual[i];
    if (want && got && want.kind === got.kind && want.payload.equals(got.payload)) continue;
    return { index: i, expected: describe(want), actual: describe(got), diff: explain(want, got) };
  }
  return null;
}

function describe(message: Compared | undefined): string {
  if (!message) return '(no message)';
  return `${message.kind} ${show(message, 0)}`;
}

/** Where two messages part: kind, or the first differing byte with a little context. */
function explain(want: Compared | undefined, got: Compared | undefined): string {
  if (!want) return 'the server sent a message more than recorded';
  if (!got) return 'the server sent fewer messages than recorded';
  if (want.kind !== got.kind) return `kind differs: ${want.kind} recorded, ${got.kind} now`;
  let at = 0;
  while (at < want.payload.length && at < got.payload.length && want.payload[at] === got.payload[at]) at++;
  const from = Math.max(0, at - 10);
  return `first difference at byte ${at}: - ${show(want, from)}  + ${show(got, from)}`;
}

/** The payload from `from`, quoted text or hex, escaped and cut short. */
function show(message: Compared, from: number): string {
  const part = message.payload.subarray(from, from + SHOWN);
  const more = message.payload.length > from + SHOWN ? '…' : '';
  const lead = from > 0 ? '…' : '';
  if (message.kind === 'text') return `"${lead}${escapeForTerminal(part.toString('utf8'))}${more}"`;
  return `${lead}${part.toString('hex')}${more}`;
}
