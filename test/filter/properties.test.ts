/**
 * Properties of the filter language: parsing any string either succeeds or
 * throws FilterSyntaxError with a position inside it; `!!x` ≡ `x`; `!x` is
 * the complement of `x`; `a b` ≡ `a` ∧ `b`.
 */
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { FilterSyntaxError, parseFilter, type FilterSubject } from '../../src/filter/index.js';
import { binary, frame, text, violation } from './events.js';
import { fuzzParams } from '../helpers/fuzz.js';

const params = fuzzParams;

const term = fc.oneof(
  fc.constantFrom('client', 'server', 'text', 'binary', 'close', 'ping', 'pong', 'control', 'data', 'violation', 'rule:reserved-bits', 'rule:invalid-utf8', 'host:*.test', 'host:127.*'),
  fc.integer({ min: 1, max: 4 }).map((n) => `conn:${n}`),
  fc.tuple(fc.constantFrom('<', '>', '='), fc.integer({ min: 0, max: 20 })).map(([op, n]) => `size${op}${n}`),
  fc.string({ maxLength: 3, unit: fc.constantFrom('a', 'b', 'e', 'f', '0', ' ', '"', '\\') }).map((s) => `"${s.replace(/[\\"]/g, '\\$&')}"`),
  fc.constantFrom('/^a/', '/b$/i', '/e+/', '/ /'),
);

const subject: fc.Arbitrary<FilterSubject> = fc
  .tuple(
    fc.integer({ min: 1, max: 4 }),
    fc.constantFrom('client' as const, 'server' as const),
    fc.constantFrom(0, 1, 2, 3, 8, 9, 10),
    fc.string({ maxLength: 20, unit: fc.constantFrom('a', 'b', 'e', 'f', '0', ' ', '"') }),
    fc.integer({ min: 0, max: 3 }),
    fc.constantFrom('a.test', '127.0.0.1', null),
  )
  .map(([conn, from, opcode, content, pick, host]) => {
    const violations = pick === 3 ? [violation(conn, 'reserved-bits', from)] : [];
    if (pick === 0) return { event: text(conn, from, content), violations, host };
    if (pick === 1) return { event: binary(conn, from, [...content].map((c) => c.charCodeAt(0))), violations, host };
    if (pick === 2) return { event: violation(conn, 'invalid-utf8', from), violations, host };
    return { event: frame(conn, from, opcode, content.length, { payloadHead: Buffer.from(content).toString('hex') }), violations, host };
  });

test('parse never throws anything but FilterSyntaxError, positioned within the source', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.array(fc.oneof(term, fc.string({ maxLength: 4 }))).map((t) => t.join(' '))), (source) => {
      try {
        parseFilter(source);
      } catch (err) {
        expect(err).toBeInstanceOf(FilterSyntaxError);
        const { position } = err as FilterSyntaxError;
        expect(position).toBeGreaterThanOrEqual(1);
        expect(position).toBeLessThanOrEqual(source.length + 1);
      }
    }),
    params(2000),
  );
});

test('!!x ≡ x and !x is the complement of x', () => {
  fc.assert(
    fc.property(term, subject, (t, s) => {
      const x = parseFilter(t).matches(s);
      expect(parseFilter(`!!${t}`).matches(s)).toBe(x);
      expect(parseFilter(`!${t}`).matches(s)).toBe(!x);
    }),
    params(1000),
  );
});

test('terms separated by spaces are ANDed', () => {
  fc.assert(
    fc.property(fc.array(term, { maxLength: 4 }), subject, (terms, s) => {
      const each = terms.every((t) => parseFilter(t).matches(s));
      expect(parseFilter(terms.join('  ')).matches(s)).toBe(each);
    }),
    params(1000),
  );
});
