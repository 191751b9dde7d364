/** Each term against frames, messages and violations, from a table. */
import { describe, expect, test } from 'vitest';
import { parseFilter, type FilterSubject } from '../../src/filter/index.js';
import { binary, frame, http, text, violation } from './events.js';

const subjects = {
  clientText: { event: frame(1, 'client', 1, 5), violations: [], host: '127.0.0.1' },
  serverBinary: { event: frame(1, 'server', 2, 300), violations: [], host: '127.0.0.1' },
  continuationOfText: { event: frame(1, 'client', 0, 4, { messageKind: 'text' } as object), violations: [], host: '127.0.0.1' },
  ping: { event: frame(2, 'client', 9, 4, { payloadHead: '68656c6c' }), violations: [], host: 'api.example.com' },
  close: { event: frame(2, 'server', 8, 6, { close: { code: 1000, codeName: 'Normal Closure', reason: 'bye' } }), violations: [], host: 'api.example.com' },
  reservedData: { event: frame(1, 'client', 3, 0), violations: [violation(1, 'reserved-opcode')], host: '127.0.0.1' },
  helloMessage: { event: text(1, 'client', 'hello world'), violations: [], host: '127.0.0.1' },
  binaryMessage: { event: binary(3, 'server', [0xde, 0xad, 0xbe, 0xef]), violations: [], host: null },
  handshakeViolation: { event: violation(4, 'handshake-accept-mismatch', 'server'), violations: [], host: '127.0.0.1' },
  dataFrameOfHello: { event: frame(1, 'client', 1, 11), violations: [], host: '127.0.0.1', message: text(1, 'client', 'hello world') },
  httpEvent: { event: http(5), violations: [], host: '127.0.0.1' },
} satisfies Record<string, FilterSubject>;

type Name = keyof typeof subjects;
const all = Object.keys(subjects) as Name[];

describe.each<[string, Name[]]>([
  ['', all],
  ['client', ['clientText', 'continuationOfText', 'ping', 'reservedData', 'helloMessage', 'dataFrameOfHello']],
  ['server', ['serverBinary', 'close', 'binaryMessage', 'handshakeViolation']],
  ['text', ['clientText', 'continuationOfText', 'helloMessage', 'dataFrameOfHello']],
  ['binary', ['serverBinary', 'binaryMessage']],
  ['close', ['close']],
  ['ping', ['ping']],
  ['pong', []],
  ['control', ['ping', 'close']],
  ['data', ['clientText', 'serverBinary', 'continuationOfText', 'reservedData', 'helloMessage', 'binaryMessage', 'dataFrameOfHello']],
  ['violation', ['reservedData', 'handshakeViolation']],
  ['rule:reserved-opcode', ['reservedData']],
  ['rule:handshake-accept-mismatch', ['handshakeViolation']],
  ['conn:2', ['ping', 'close']],
  ['host:*.example.com', ['ping', 'close']],
  ['host:127.0.0.*', ['clientText', 'serverBinary', 'continuationOfText', 'reservedData', 'helloMessage', 'handshakeViolation', 'dataFrameOfHello', 'httpEvent']],
  ['size>100', ['serverBinary']],
  ['size<5', ['continuationOfText', 'ping', 'reservedData', 'binaryMessage']],
  ['size=11', ['helloMessage', 'dataFrameOfHello']],
  ['"hello"', ['helloMessage', 'dataFrameOfHello']],
  ['"hell"', ['ping', 'helloMessage', 'dataFrameOfHello']],
  ['"bye"', ['close']],
  ['"adbe"', ['binaryMessage']],
  ['/^HELLO/i', ['helloMessage', 'dataFrameOfHello']],
  ['/de.d/', ['binaryMessage']],
  ['client !text', ['ping', 'reservedData']],
  ['!client !server', ['httpEvent']],
  ['data !violation server', ['serverBinary', 'binaryMessage']],
])('%j', (source, expected) => {
  const filter = parseFilter(source);
  test.each(all)('%s', (name) => {
    expect(filter.matches(subjects[name])).toBe(expected.includes(name));
  });
});
