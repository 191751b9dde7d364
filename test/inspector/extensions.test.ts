import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  type DeflateParams,
  type ParsedExtension,
  negotiateDeflate,
  parseExtensions,
  parseProtocols,
  toOffer,
} from '../../src/inspector/extensions.js';

describe('parseExtensions', () => {
  test.each<[string, string[], ParsedExtension[]]>([
    ['Chromium offer', ['permessage-deflate; client_max_window_bits'], [
      { name: 'permessage-deflate', params: [['client_max_window_bits', true]] },
    ]],
    ['Firefox-style offer without spaces', ['permessage-deflate;client_max_window_bits=10;server_no_context_takeover'], [
      { name: 'permessage-deflate', params: [['client_max_window_bits', '10'], ['server_no_context_takeover', true]] },
    ]],
    ['several offers, as the RFC 7692 example', ['permessage-deflate; client_max_window_bits; server_max_window_bits=10, permessage-deflate; client_max_window_bits'], [
      { name: 'permessage-deflate', params: [['client_max_window_bits', true], ['server_max_window_bits', '10']] },
      { name: 'permessage-deflate', params: [['client_max_window_bits', true]] },
    ]],
    ['header lines combine', ['foo', 'bar; baz=2'], [
      { name: 'foo', params: [] },
      { name: 'bar', params: [['baz', '2']] },
    ]],
    ['whitespace around separators', [' \tfoo \t; \ta \t= \t1 \t,\tbar '], [
      { name: 'foo', params: [['a', '1']] },
      { name: 'bar', params: [] },
    ]],
    ['quoted values are unquoted', ['foo; a="10"; b="x\\y"'], [
      { name: 'foo', params: [['a', '10'], ['b', 'xy']] },
    ]],
    ['empty list elements ignored', [', ,foo,,'], [{ name: 'foo', params: [] }]],
    ['duplicate parameters kept', ['foo; a=1; a=2'], [{ name: 'foo', params: [['a', '1'], ['a', '2']] }]],
    ['empty header', [''], []],
  ])('%s', (_name, values, expected) => {
    expect(parseExtensions(values)).toEqual({ extensions: expected, errors: [] });
  });

  test.each<[string, string, string[], string]>([
    ['missing parameter name', 'foo; =1, bar', ['bar'], 'Sec-WebSocket-Extensions element "foo; =1" is malformed: expected a parameter name after ";"'],
    ['missing value', 'foo; a=, bar', ['bar'], 'Sec-WebSocket-Extensions element "foo; a=" is malformed: expected a value for a'],
    ['quoted value that is no token', 'foo; a="1 0", bar', ['bar'], 'Sec-WebSocket-Extensions element "foo; a=\\"1 0\\"" is malformed: the value of a is not a token'],
    ['unterminated quote swallows the rest', 'bar, foo; a="1, baz', ['bar'], 'Sec-WebSocket-Extensions element "foo; a=\\"1, baz" is malformed: expected a value for a'],
    ['missing name', '; a, bar', ['bar'], 'Sec-WebSocket-Extensions element "; a" is malformed: expected an extension name'],
    ['garbage after a name', 'foo bar, baz', ['baz'], 'Sec-WebSocket-Extensions element "foo bar" is malformed: unexpected "b"'],
    ['quoted comma skipped when recovering', 'foo; a="xy" z", q", bar', ['bar'], 'Sec-WebSocket-Extensions element "foo; a=\\"xy\\" z\\", q\\"" is malformed: unexpected "z"'],
  ])('reports %s and goes on', (_name, value, names, error) => {
    const list = parseExtensions([value]);
    expect(list.extensions.map((e) => e.name)).toEqual(names);
    expect(list.errors).toEqual([error]);
  });

  test('never throws on any string', () => {
    const text = fc.array(fc.oneof(fc.constantFrom(',', ';', '=', '"', '\\', ' ', 'a'), fc.string({ maxLength: 3 })), { maxLength: 30 });
    fc.assert(fc.property(text, (parts) => void parseExtensions([parts.join('')])));
  });
});

describe('toOffer', () => {
  test('a parameter without value is true; the first of duplicates wins', () => {
    const offer = toOffer({ name: 'foo', params: [['a', true], ['b', '1'], ['b', '2']] });
    expect(offer).toEqual({ name: 'foo', params: { a: true, b: '1' } });
  });
  test('a parameter named __proto__ stays plain data', () => {
    const offer = toOffer({ name: 'foo', params: [['__proto__', 'x']] });
    expect(Object.getPrototypeOf(offer.params)).toBe(Object.prototype);
    expect(JSON.stringify(offer.params)).toBe('{"__proto__":"x"}');
  });
});

describe('parseProtocols', () => {
  test.each<[string[], string[]]>([
    [['chat, superchat'], ['chat', 'superchat']],
    [['chat,superchat'], ['chat', 'superchat']],
    [['a', 'b , c'], ['a', 'b', 'c']],
    [[' , ,'], []],
    [[], []],
  ])('%j', (values, expected) => {
    expect(parseProtocols(values)).toEqual(expected);
  });
});

describe('negotiateDeflate (RFC 7692 7)', () => {
  const DEFAULTS: DeflateParams = {
    serverNoContextTakeover: false,
    clientNoContextTakeover: false,
    serverMaxWindowBits: 15,
    clientMaxWindowBits: 15,
  };
  const one = (header: string): ParsedExtension => parseExtensions([header]).extensions[0]!;
  const negotiate = (offer: string, response: string) =>
    negotiateDeflate(parseExtensions([offer]).extensions, one(response));

  test.each<[string, string, string, Partial<DeflateParams>]>([
    ['plain', 'permessage-deflate', 'permessage-deflate', {}],
    ['client_max_window_bits answered when offered', 'permessage-deflate; client_max_window_bits', 'permessage-deflate; client_max_window_bits=10', { clientMaxWindowBits: 10 }],
    ['unasked server_no_context_takeover', 'permessage-deflate', 'permessage-deflate; server_no_context_takeover', { serverNoContextTakeover: true }],
    ['unasked client_no_context_takeover', 'permessage-deflate', 'permessage-deflate; client_no_context_takeover', { clientNoContextTakeover: true }],
    ['unasked server_max_window_bits', 'permessage-deflate', 'permessage-deflate; server_max_window_bits=8', { serverMaxWindowBits: 8 }],
    ['server_max_window_bits at the offered value', 'permessage-deflate; server_max_window_bits=10', 'permessage-deflate; server_max_window_bits=10', { serverMaxWindowBits: 10 }],
    ['a quoted value', 'permessage-deflate', 'permessage-deflate; server_max_window_bits="9"', { serverMaxWindowBits: 9 }],
    ['uWS answer to Chromium', 'permessage-deflate; client_max_window_bits', 'permessage-deflate; client_no_context_takeover; server_no_context_takeover', { clientNoContextTakeover: true, serverNoContextTakeover: true }],
    ['the second offer fits', 'permessage-deflate; server_max_window_bits=9, permessage-deflate; client_max_window_bits', 'permessage-deflate; client_max_window_bits=12', { clientMaxWindowBits: 12 }],
  ])('accepts %s', (_name, offer, response, params) => {
    expect(negotiate(offer, response)).toEqual({ params: { ...DEFAULTS, ...params }, problems: [] });
  });

  test.each<[string, string, string, string]>([
    ['client_max_window_bits unasked', 'permessage-deflate', 'permessage-deflate; client_max_window_bits=10', 'client_max_window_bits is in the response but the offer did not include it'],
    ['server_max_window_bits=7', 'permessage-deflate', 'permessage-deflate; server_max_window_bits=7', 'server_max_window_bits is "7", must be 8 to 15'],
    ['server_max_window_bits=16', 'permessage-deflate', 'permessage-deflate; server_max_window_bits=16', 'server_max_window_bits is "16", must be 8 to 15'],
    ['a leading zero', 'permessage-deflate', 'permessage-deflate; server_max_window_bits=09', 'server_max_window_bits is "09", must be 8 to 15'],
    ['server_max_window_bits without value', 'permessage-deflate', 'permessage-deflate; server_max_window_bits', 'server_max_window_bits in the response must have a value'],
    ['client_max_window_bits without value', 'permessage-deflate; client_max_window_bits', 'permessage-deflate; client_max_window_bits', 'client_max_window_bits in the response must have a value'],
    ['client_max_window_bits out of range', 'permessage-deflate; client_max_window_bits', 'permessage-deflate; client_max_window_bits=20', 'client_max_window_bits is "20", must be 8 to 15'],
    ['server_max_window_bits above the offer', 'permessage-deflate; server_max_window_bits=10', 'permessage-deflate; server_max_window_bits=12', 'server_max_window_bits is 12, above the 10 offered'],
    ['client_max_window_bits above the offer', 'permessage-deflate; client_max_window_bits=9', 'permessage-deflate; client_max_window_bits=10', 'client_max_window_bits is 10, above the 9 offered'],
    ['a no_context_takeover with a value', 'permessage-deflate', 'permessage-deflate; server_no_context_takeover=1', 'server_no_context_takeover must have no value, got "1"'],
    ['an unknown parameter', 'permessage-deflate', 'permessage-deflate; mem_level=9', 'permessage-deflate has unknown parameter mem_level'],
    ['a duplicate parameter', 'permessage-deflate', 'permessage-deflate; server_no_context_takeover; server_no_context_takeover', 'permessage-deflate response has server_no_context_takeover more than once'],
  ])('rejects %s', (_name, offer, response, problem) => {
    expect(negotiate(offer, response).problems).toEqual([problem]);
  });

  test('invalid values fall back to the defaults; valid ones still apply', () => {
    const { params, problems } = negotiate('permessage-deflate', 'permessage-deflate; server_max_window_bits=16; client_no_context_takeover');
    expect(params).toEqual({ ...DEFAULTS, clientNoContextTakeover: true });
    expect(problems).toHaveLength(1);
  });

  test('without any deflate offer only the response itself is judged', () => {
    expect(negotiateDeflate([], one('permessage-deflate; client_max_window_bits=10')).problems).toEqual([]);
  });
});
