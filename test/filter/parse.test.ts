/** The filter syntax: what parses to which terms, and where and why the rest fails. */
import { describe, expect, test } from 'vitest';
import { FilterSyntaxError, parseFilter, tryParseFilter } from '../../src/filter/index.js';

describe('valid expressions', () => {
  test.each([
    ['', []],
    ['   ', []],
    ['client', [{ kind: 'keyword', word: 'client', negated: false, at: 1 }]],
    ['!server', [{ kind: 'keyword', word: 'server', negated: true, at: 1 }]],
    ['!!text', [{ kind: 'keyword', word: 'text', negated: false, at: 1 }]],
    ['  conn:12', [{ kind: 'conn', conn: 12, negated: false, at: 3 }]],
    ['rule:invalid-utf8', [{ kind: 'rule', rule: 'invalid-utf8', negated: false, at: 1 }]],
    ['size>100 size<5 size=0', [
      { kind: 'size', op: '>', bytes: 100, negated: false, at: 1 },
      { kind: 'size', op: '<', bytes: 5, negated: false, at: 10 },
      { kind: 'size', op: '=', bytes: 0, negated: false, at: 17 },
    ]],
    ['"hello world"', [{ kind: 'substring', needle: 'hello world', negated: false, at: 1 }]],
    ['"say \\"hi\\" \\\\ ok"', [{ kind: 'substring', needle: 'say "hi" \\ ok', negated: false, at: 1 }]],
    ['""', [{ kind: 'substring', needle: '', negated: false, at: 1 }]],
    ['!"x y"', [{ kind: 'substring', needle: 'x y', negated: true, at: 1 }]],
  ])('%j', (source, expected) => {
    const clauses = parseFilter(source).ast.clauses.map(({ term, negated, at }) => {
      const { pattern: _pattern, ...rest } = term as { pattern?: RegExp };
      return { ...rest, negated, at };
    });
    expect(clauses).toEqual(expected);
  });

  test('regex with flags, escaped slash and spaces inside', () => {
    const [clause] = parseFilter('/a\\/b c\\d+/i').ast.clauses;
    expect(clause!.term).toEqual({ kind: 'regex', pattern: /a\/b c\d+/i });
  });

  test('host glob is anchored, case-insensitive, with * as any run', () => {
    const [clause] = parseFilter('host:*.Example.com').ast.clauses;
    const { pattern } = clause!.term as { pattern: RegExp };
    expect(pattern.test('api.example.com')).toBe(true);
    expect(pattern.test('example.com')).toBe(false);
    expect(pattern.test('api.example.com.evil')).toBe(false);
    expect(pattern.test('apiXexample.com')).toBe(false);
  });

  test('flags of the expression: empty, connection-level, needs followers', () => {
    expect(parseFilter('').empty).toBe(true);
    expect(parseFilter('conn:1 !host:a*').connectionLevel).toBe(true);
    expect(parseFilter('conn:1 text').connectionLevel).toBe(false);
    expect(parseFilter('violation').needsFollowers).toBe(true);
    expect(parseFilter('!rule:reserved-bits').needsFollowers).toBe(true);
    expect(parseFilter('text size>3').needsFollowers).toBe(false);
  });
});

describe('invalid expressions name the 1-based position and why', () => {
  test.each([
    ['bogus', 1, 'unknown term "bogus"'],
    ['client  Text', 9, 'unknown term "Text"'],
    ['!', 1, '"!" must be followed by a term'],
    ['text ! binary', 6, '"!" must be followed by a term'],
    ['conn:', 6, 'conn: needs a whole number'],
    ['conn:x1', 6, 'conn: needs a whole number'],
    ['conn:0', 6, 'connections are numbered from 1'],
    ['conn:99999999999999999999', 6, 'conn: number is too large'],
    ['size>', 6, 'size needs a whole number'],
    ['size>-1', 6, 'size needs a whole number'],
    ['size>=3', 6, 'size needs a whole number'],
    ['rule:nope', 6, 'unknown rule "nope"'],
    ['rule:', 6, 'rule: needs a rule id'],
    ['host:', 6, 'host: needs a host name (* matches any characters)'],
    ['text "abc', 6, 'unterminated "string"'],
    ['"a"b', 4, 'terms must be separated by spaces'],
    ['/abc', 1, 'unterminated /regex/'],
    ['//', 1, 'empty /regex/'],
    ['/a/g', 4, 'the g and y flags make no sense in a filter'],
    ['/a/x', 1, 'invalid regex'],
    ['/(/', 1, 'invalid regex'],
    ['/a/i,', 5, 'terms must be separated by spaces'],
  ])('%j → position %i', (source, position, reason) => {
    const parsed = tryParseFilter(source);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.error).toBeInstanceOf(FilterSyntaxError);
    expect(parsed.error.position).toBe(position);
    expect(parsed.error.reason.startsWith(reason)).toBe(true);
    expect(parsed.error.message).toBe(`invalid filter at position ${position}: ${parsed.error.reason}`);
  });
});
