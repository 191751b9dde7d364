import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HarError, harEvents } from '../../src/capture/har-reader.js';
import { NdjsonReader } from '../../src/capture/ndjson-reader.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/captures');

describe('HAR', () => {
  const events = harEvents(readFileSync(join(FIXTURES, 'chrome-websocket.har'), 'utf8'));

  it("reads a Chrome export: the page as an http event, the WebSocket entry as a connection with its messages", () => {
    expect(events.map((e) => `${e.conn} ${e.type}`)).toEqual([
      '1 http',
      '2 connection',
      '2 handshake-request',
      '2 handshake-response',
      '2 message',
      '2 message',
      '2 message',
      '2 message',
      '2 connection-end',
    ]);
    expect(events[0]).toMatchObject({ type: 'http', method: 'GET', path: '/', status: 200, ts: Date.parse('2026-11-30T10:00:00.010Z') });
    expect(events[1]).toMatchObject({ type: 'connection', client: 'unknown', upstream: 'ws://127.0.0.1:8080/' });
    expect(events[2]).toMatchObject({ type: 'handshake-request', path: '/chat?room=1', httpVersion: '1.1', key: 'dGhlIHNhbXBsZSBub25jZQ==' });
    expect(events[2]).toHaveProperty('headers.0', ['Host', '127.0.0.1:8080']);
    expect(events[3]).toMatchObject({
      type: 'handshake-response',
      status: 101,
      accept: { expected: 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=', actual: 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=', valid: true },
      extensions: [{ name: 'permessage-deflate', params: {} }],
      ok: true,
    });
  });

  it('keeps what a HAR records of each message and says the rest is unknown (null)', () => {
    expect(events[4]).toEqual({
      type: 'message',
      conn: 2,
      ts: 1796032801123.4,
      from: 'client',
      kind: 'text',
      frames: null,
      compressed: null,
      wireBytes: null,
      size: Buffer.byteLength('Hello, été 😀'),
      text: 'Hello, été 😀',
      truncated: false,
    });
    expect(events[6]).toMatchObject({ from: 'client', kind: 'binary', base64: 'AAECA/8=', size: 5 });
    expect(events[7]).toMatchObject({ from: 'server', kind: 'binary' });
    expect(events.at(-1)).toEqual(
      expect.objectContaining({ clean: null, closeCode: null, by: null, stats: { client: { frames: null, messages: 2, wireBytes: null }, server: { frames: null, messages: 2, wireBytes: null } } }),
    );
  });

  it('checks the handshake from the recorded headers', () => {
    const har = JSON.parse(readFileSync(join(FIXTURES, 'chrome-websocket.har'), 'utf8'));
    har.log.entries[1].response.headers[2].value = 'wrong=';
    const checked = harEvents(JSON.stringify(har));
    expect(checked.filter((e) => e.type === 'violation')).toEqual([expect.objectContaining({ rule: 'handshake-accept-mismatch', from: 'server', severity: 'error' })]);
  });

  it("reads Firefox's export: a 101 entry without messages, a time zone offset, provisional headers not checked", () => {
    const firefox = {
      log: {
        version: '1.2',
        creator: { name: 'Firefox', version: '140.0' },
        browser: { name: 'Firefox', version: '140.0' },
        entries: [
          {
            startedDateTime: '2026-11-30T11:00:01.000+01:00',
            request: { bodySize: 0, method: 'GET', url: 'wss://example.test/socket', httpVersion: 'HTTP/1.1', headers: [] },
            response: { status: 101, statusText: 'Switching Protocols', httpVersion: 'HTTP/1.1', headers: [] },
            time: 12,
          },
        ],
      },
    };
    const read = harEvents(JSON.stringify(firefox));
    expect(read.map((e) => e.type)).toEqual(['connection', 'handshake-request', 'handshake-response', 'connection-end']);
    expect(read[0]).toMatchObject({ ts: Date.parse('2026-11-30T10:00:01.000Z'), upstream: 'wss://example.test/' });
    expect(read.at(-1)).toMatchObject({ durationMs: 12 });
  });

  it('refuses what is not a HAR with one line', () => {
    expect(() => harEvents('{"log": ')).toThrow(HarError);
    expect(() => harEvents('{"log": ')).toThrow(/^not a HAR file: the JSON does not parse \(/);
    expect(() => harEvents('{"entries": []}')).toThrow('not a HAR file: no log.entries array');
  });
});

describe('NDJSON', () => {
  const lines = [
    { type: 'connection', conn: 3, ts: 1.5, client: '127.0.0.1:1', upstream: 'ws://x/' },
    { type: 'message', conn: 3, ts: 2, from: 'client', kind: 'text', text: 'é', frames: 1, compressed: false, wireBytes: 8, size: 2, truncated: false },
  ];
  const text = Buffer.from(lines.map((l) => JSON.stringify(l)).join('\n') + '\n');

  it('reads events as recorded, whatever the chunking (even inside a UTF-8 character)', () => {
    for (const chunk of [1, 2, 7, text.length]) {
      const reader = new NdjsonReader();
      const events = [];
      for (let at = 0; at < text.length; at += chunk) events.push(...reader.push(text.subarray(at, at + chunk)));
      events.push(...reader.end());
      expect(events).toEqual(lines);
      expect(reader.problem).toBeNull();
    }
  });

  it('stops at a line that is not an event, naming it', () => {
    const reader = new NdjsonReader();
    const events = reader.push(Buffer.concat([text, Buffer.from('\n{"type":"x"}\n'), text]));
    expect(events).toEqual(lines);
    expect(reader.problem).toBe('NDJSON line 4 is not a wsinspect event (an object with type, conn and ts)');
    const cut = new NdjsonReader();
    cut.push(text.subarray(0, text.length - 5));
    expect(cut.end()).toEqual([]);
    expect(cut.problem).toBe('NDJSON line 2 is not JSON');
  });
});
