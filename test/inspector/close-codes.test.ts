/** Close codes (RFC 6455 7.4, IANA registry): which may be sent, and their names. */
import { describe, expect, test } from 'vitest';
import { closeCodeName, isSendableCloseCode } from '../../src/inspector/close-codes.js';
import { parseClosePayload } from '../../src/inspector/close-frame.js';
import { closePayload } from '../../src/inspector/frame-encoder.js';
import { hex } from '../helpers/decode.js';

describe('isSendableCloseCode', () => {
  test('every code from 0 to 65535 against the rule as the contract states it', () => {
    const wrong: number[] = [];
    for (let code = 0; code <= 0xffff; code++) {
      // Invalid: below 1000, 1004-1006, 1015, 1016-2999, 5000 and above.
      const invalid = code < 1000 || (code >= 1004 && code <= 1006) || code === 1015 || (code >= 1016 && code <= 2999) || code >= 5000;
      if (isSendableCloseCode(code) === invalid) wrong.push(code);
    }
    expect(wrong).toEqual([]);
  });
});

describe('closeCodeName', () => {
  test.each([
    [1000, 'Normal Closure'],
    [1001, 'Going Away'],
    [1002, 'Protocol Error'],
    [1003, 'Unsupported Data'],
    [1004, 'Reserved'],
    [1005, 'No Status Rcvd'],
    [1006, 'Abnormal Closure'],
    [1007, 'Invalid Frame Payload Data'],
    [1008, 'Policy Violation'],
    [1009, 'Message Too Big'],
    [1010, 'Mandatory Extension'],
    [1011, 'Internal Error'],
    [1012, 'Service Restart'],
    [1013, 'Try Again Later'],
    [1014, 'Bad Gateway'],
    [1015, 'TLS Handshake'],
    [1016, 'Unassigned'],
    [2999, 'Unassigned'],
    [3000, 'Unauthorized'],
    [3003, 'Forbidden'],
    [3008, 'Timeout'],
    [3001, 'Registered'],
    [3999, 'Registered'],
    [4000, 'Private Use'],
    [4999, 'Private Use'],
    [0, 'Invalid'],
    [999, 'Invalid'],
    [5000, 'Invalid'],
    [65535, 'Invalid'],
  ])('%i is %s', (code, name) => {
    expect(closeCodeName(code)).toBe(name);
  });
});

describe('parseClosePayload', () => {
  test('empty: no code, no violation', () => {
    expect(parseClosePayload(new Uint8Array(0), 'client')).toEqual({ close: { code: null, codeName: null, reason: '' }, violations: [] });
  });

  test('one byte: no code, close-payload-length-one', () => {
    const { close, violations } = parseClosePayload(hex('03'), 'server');
    expect(close).toEqual({ code: null, codeName: null, reason: '' });
    expect(violations).toEqual([expect.objectContaining({ rule: 'close-payload-length-one', from: 'server' })]);
  });

  test('a code and a reason', () => {
    expect(parseClosePayload(closePayload(1001, 'going'), 'client')).toEqual({
      close: { code: 1001, codeName: 'Going Away', reason: 'going' },
      violations: [],
    });
  });

  test('an invalid code and a reason that is not UTF-8: both reported, code first', () => {
    const { close, violations } = parseClosePayload(hex('03 ed ff'), 'client');
    expect(close).toMatchObject({ code: 1005, codeName: 'No Status Rcvd' });
    expect(violations.map((v) => v.rule)).toEqual(['close-code-invalid', 'invalid-utf8']);
  });

  test('a reason that is a view into a larger buffer is read from the view only', () => {
    const big = Buffer.concat([Buffer.from('xxxx'), closePayload(1000, 'ok'), Buffer.from('yyyy')]);
    expect(parseClosePayload(big.subarray(4, 8), 'client').close).toEqual({ code: 1000, codeName: 'Normal Closure', reason: 'ok' });
  });
});
