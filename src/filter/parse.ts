/**
 * The filter language's syntax (contract: "Filter expressions"): terms
 * separated by spaces, all ANDed, each optionally preceded by `!`s.
 *
 *   client server text binary close ping pong control data violation
 *   rule:ID  conn:N  host:NAME (glob *)  size>N size<N size=N
 *   "substring" (\" and \\ escape)  /regex/flags (\/ escapes the slash)
 *
 * Pure: no node: imports (the inspector page bundles this file).
 */
import { RULES, type RuleId } from '../inspector/rules.js';
import { FilterSyntaxError } from './errors.js';

export type Keyword = 'client' | 'server' | 'text' | 'binary' | 'close' | 'ping' | 'pong' | 'control' | 'data' | 'violation';

export type Term =
  | { kind: 'keyword'; word: Keyword }
  | { kind: 'rule'; rule: RuleId }
  | { kind: 'conn'; conn: number }
  | { kind: 'host'; glob: string; pattern: RegExp }
  | { kind: 'size'; op: '<' | '>' | '='; bytes: number }
  | { kind: 'substring'; needle: string }
  | { kind: 'regex'; pattern: RegExp };

/** One term as written: `negated` is the parity of its `!`s; `at` its 1-based position. */
export interface Clause {
  term: Term;
  negated: boolean;
  at: number;
}

/** The whole expression: every clause must hold. No clauses: everything matches. */
export interface FilterAst {
  source: string;
  clauses: Clause[];
}

const KEYWORDS = new Set<string>(['client', 'server', 'text', 'binary', 'close', 'ping', 'pong', 'control', 'data', 'violation']);
const SPACE = /\s/;

/** Parses `source`; throws FilterSyntaxError (and nothing else) when it is not a valid expression. */
export function parseFilter(source: string): FilterAst {
  const clauses: Clause[] = [];
  let i = 0;
  while (i < source.length) {
    if (SPACE.test(source[i]!)) {
      i++;
      continue;
    }
    const at = i;
    let negated = false;
    while (source[i] === '!') {
      negated = !negated;
      i++;
    }
    if (i >= source.length || SPACE.test(source[i]!)) throw new FilterSyntaxError(at, '"!" must be followed by a term');
    const { term, end } = readTerm(source, i);
    if (end < source.length && !SPACE.test(source[end]!)) throw new FilterSyntaxError(end, 'terms must be separated by spaces');
    clauses.push({ term, negated, at: at + 1 });
    i = end;
  }
  return { source, clauses };
}

function readTerm(source: string, start: number): { term: Term; end: number } {
  if (source[start] === '"') return readQuoted(source, start);
  if (source[start] === '/') return readRegex(source, start);
  let end = start;
  while (end < source.length && !SPACE.test(source[end]!)) end++;
  return { term: wordTerm(source.slice(start, end), start), end };
}

function wordTerm(word: string, start: number): Term {
  if (KEYWORDS.has(word)) return { kind: 'keyword', word: word as Keyword };
  const size = /^size([<>=])(.*)$/.exec(word);
  if (size) return { kind: 'size', op: size[1] as '<' | '>' | '=', bytes: count(size[2]!, start + 5, 'size') };
  const colon = word.indexOf(':');
  if (colon > 0) {
    const name = word.slice(0, colon);
    const value = word.slice(colon + 1);
    const valueAt = start + colon + 1;
    if (name === 'conn') {
      const conn = count(value, valueAt, 'conn:');
      if (conn === 0) throw new FilterSyntaxError(valueAt, 'connections are numbered from 1');
      return { kind: 'conn', conn };
    }
    if (name === 'rule') {
      if (!Object.hasOwn(RULES, value)) throw new FilterSyntaxError(valueAt, value === '' ? 'rule: needs a rule id' : `unknown rule "${value}"`);
      return { kind: 'rule', rule: value as RuleId };
    }
    if (name === 'host') {
      if (value === '') throw new FilterSyntaxError(valueAt, 'host: needs a host name (* matches any characters)');
      return { kind: 'host', glob: value, pattern: globPattern(value) };
    }
  }
  throw new FilterSyntaxError(start, `unknown term "${word}"`);
}

function count(digits: string, at: number, what: string): number {
  if (!/^\d+$/.test(digits)) throw new FilterSyntaxError(at, `${what} needs a whole number`);
  const n = Number(digits);
  if (!Number.isSafeInteger(n)) throw new FilterSyntaxError(at, `${what} number is too large`);
  return n;
}

function readQuoted(source: string, start: number): { term: Term; end: number } {
  let needle = '';
  for (let i = start + 1; i < source.length; i++) {
    const c = source[i]!;
    if (c === '"') return { term: { kind: 'substring', needle }, end: i + 1 };
    if (c === '\\' && (source[i + 1] === '"' || source[i + 1] === '\\')) needle += source[++i];
    else needle += c;
  }
  throw new FilterSyntaxError(start, 'unterminated "string"');
}

function readRegex(source: string, start: number): { term: Term; end: number } {
  let body = '';
  let i = start + 1;
  for (; i < source.length && source[i] !== '/'; i++) {
    // `\/` is a slash inside the pattern; every other escape is the regex's own.
    if (source[i] === '\\' && source[i + 1] === '/') body += source[++i];
    else if (source[i] === '\\' && i + 1 < source.length) body += source[i] + source[++i]!;
    else body += source[i];
  }
  if (i >= source.length) throw new FilterSyntaxError(start, 'unterminated /regex/');
  let end = i + 1;
  while (end < source.length && /[a-z]/i.test(source[end]!)) end++;
  const flags = source.slice(i + 1, end);
  if (body === '') throw new FilterSyntaxError(start, 'empty /regex/');
  if (/[gy]/.test(flags)) throw new FilterSyntaxError(i + 1, 'the g and y flags make no sense in a filter');
  try {
    return { term: { kind: 'regex', pattern: new RegExp(body, flags) }, end };
  } catch (err) {
    throw new FilterSyntaxError(start, `invalid regex: ${(err as Error).message}`);
  }
}

/** A host glob: `*` is any run of characters, everything else literal, case-insensitive. */
function globPattern(glob: string): RegExp {
  const body = glob
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 'i');
}
