/** The stream rules: context events shown with the first match, violations travel with their frame. */
import { describe, expect, test } from 'vitest';
import { createFilterView, parseFilter } from '../../src/filter/index.js';
import type { WireEvent } from '../../src/inspector/events.js';
import { connection, end, frame, handshake, http, text, violation } from './events.js';

function run(source: string, events: WireEvent[]): WireEvent[] {
  const view = createFilterView(parseFilter(source));
  const shown: WireEvent[] = [];
  for (const event of events) shown.push(...view.push(event));
  shown.push(...view.flush());
  return shown;
}

// Two connections interleaved: conn 1 says hello, conn 2 sends an unmasked frame.
const c1 = connection(1);
const h1 = handshake(1);
const f1 = frame(1, 'client', 1, 5);
const m1 = text(1, 'client', 'hello');
const c2 = connection(2, 'ws://api.example.com/');
const h2 = handshake(2);
const f2 = frame(2, 'client', 2, 3, { masked: false, maskKey: null });
const v2 = violation(2, 'client-frame-unmasked');
const m2 = text(2, 'client', 'bin');
const e1 = end(1);
const e2 = end(2);
const stream = [c1, h1, c2, h2, f1, m1, f2, v2, m2, e1, e2];

describe('createFilterView', () => {
  test('empty expression: everything, in order', () => {
    expect(run('', stream)).toEqual(stream);
  });

  test('a content match brings its connection context along; other connections stay out', () => {
    expect(run('"hello"', stream)).toEqual([c1, h1, m1, e1]);
  });

  test('violation: the frame with its violation, after its connection context', () => {
    expect(run('violation', stream)).toEqual([c2, h2, f2, v2, e2]);
    expect(run('rule:client-frame-unmasked', stream)).toEqual([c2, h2, f2, v2, e2]);
  });

  test('negated violation keeps the violation-free subjects only (each decided when its successor comes)', () => {
    expect(run('client !violation', stream)).toEqual([c1, h1, f1, m1, e1, c2, h2, m2, e2]);
  });

  test('conn:N alone matches every event of that connection directly', () => {
    expect(run('conn:2', stream)).toEqual([c2, h2, f2, v2, m2, e2]);
    expect(run('!conn:2', stream)).toEqual([c1, h1, f1, m1, e1]);
    expect(run('host:api.*', stream)).toEqual([c2, h2, f2, v2, m2, e2]);
  });

  test('conn:N with another term: context only with a match', () => {
    expect(run('conn:1 binary', stream)).toEqual([]);
    expect(run('conn:2 client', stream)).toEqual([c2, h2, f2, v2, m2, e2]);
  });

  test('an http-only connection shows only when named by conn', () => {
    const events = [connection(3), http(3), http(3), end(3)];
    expect(run('client', events)).toEqual([]);
    expect(run('conn:3', events)).toEqual(events);
  });

  test('a frame waiting for violations is decided by flush() or by the next event', () => {
    const view = createFilterView(parseFilter('violation'));
    expect(view.push(c2)).toEqual([]);
    expect(view.push(f2)).toEqual([]);
    expect(view.push(v2)).toEqual([]);
    expect(view.flush()).toEqual([c2, f2, v2]);
    expect(view.push(m2)).toEqual([]);
    expect(view.push(e2)).toEqual([e2]);
  });

  test('without violation terms, subjects are decided at once', () => {
    const view = createFilterView(parseFilter('client'));
    view.push(c1);
    expect(view.push(f1)).toEqual([c1, f1]);
  });

  test('held context is bounded per connection', () => {
    const events: WireEvent[] = [connection(4)];
    for (let i = 0; i < 100; i++) events.push(http(4));
    events.push(text(4, 'client', 'late'));
    expect(run('"late"', events)).toHaveLength(32 + 1);
  });
});
