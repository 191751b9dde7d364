/** The code's rule table against the contract's, written out in test/helpers/contract-rules.ts. */
import { expect, test } from 'vitest';
import { violation } from '../../src/inspector/events.js';
import { FRAME_RULES as FRAME_CHECKS } from '../../src/inspector/frame-rules.js';
import { RULES, RULE_IDS } from '../../src/inspector/rules.js';
import { CONTRACT_RULES, FRAME_RULES } from '../helpers/contract-rules.js';

test('the code has exactly the contract\'s rules', () => {
  expect([...RULE_IDS].sort()).toEqual(Object.keys(CONTRACT_RULES).sort());
});

test.each(Object.entries(CONTRACT_RULES))('%s: section and severity as the contract says', (rule, expected) => {
  expect(RULES[rule as keyof typeof RULES]).toEqual(expected);
  expect(violation(rule as keyof typeof RULES, null, 'm')).toEqual({ type: 'violation', from: null, rule, ...expected, message: 'm' });
});

test('the frame-header checks are frame rules of the contract', () => {
  for (const [rule] of FRAME_CHECKS) expect(Object.keys(FRAME_RULES)).toContain(rule);
});
