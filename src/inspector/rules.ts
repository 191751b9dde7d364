/**
 * The violation rules of the contract: a stable id, the RFC section it comes
 * from, and how bad it is. "error" is a MUST broken; "warning" is a duty the
 * RFC puts on the sender with no receiver action, or a heuristic.
 */
export type Severity = 'error' | 'warning';

interface Rule {
  section: string;
  severity: Severity;
}

export const RULES = {
  'handshake-method': { section: 'RFC6455 4.1', severity: 'error' },
  'handshake-http-version': { section: 'RFC6455 4.1', severity: 'error' },
  'handshake-missing-host': { section: 'RFC6455 4.1', severity: 'error' },
  'handshake-upgrade-header': { section: 'RFC6455 4.1, 4.2.2', severity: 'error' },
  'handshake-connection-header': { section: 'RFC6455 4.1, 4.2.2', severity: 'error' },
  'handshake-key-invalid': { section: 'RFC6455 4.1', severity: 'error' },
  'handshake-version': { section: 'RFC6455 4.1', severity: 'error' },
  'handshake-accept-mismatch': { section: 'RFC6455 4.1', severity: 'error' },
  'handshake-subprotocol-not-offered': { section: 'RFC6455 4.1', severity: 'error' },
  'handshake-extension-not-offered': { section: 'RFC6455 9.1, RFC7692 7', severity: 'error' },
  'client-frame-unmasked': { section: 'RFC6455 5.1', severity: 'error' },
  'server-frame-masked': { section: 'RFC6455 5.1', severity: 'error' },
  'reserved-bits': { section: 'RFC6455 5.2', severity: 'error' },
  'reserved-opcode': { section: 'RFC6455 5.2', severity: 'error' },
  'control-frame-too-long': { section: 'RFC6455 5.5', severity: 'error' },
  'control-frame-fragmented': { section: 'RFC6455 5.5', severity: 'error' },
  'unexpected-continuation': { section: 'RFC6455 5.4', severity: 'error' },
  'expected-continuation': { section: 'RFC6455 5.4', severity: 'error' },
  'length-not-minimal': { section: 'RFC6455 5.2', severity: 'warning' },
  'length-msb-set': { section: 'RFC6455 5.2', severity: 'error' },
  'invalid-utf8': { section: 'RFC6455 8.1, 5.5.1', severity: 'error' },
  'close-payload-length-one': { section: 'RFC6455 5.5.1', severity: 'error' },
  'close-code-invalid': { section: 'RFC6455 7.4', severity: 'error' },
  'data-after-close': { section: 'RFC6455 5.5.1', severity: 'error' },
  'deflate-rsv1-misuse': { section: 'RFC7692 6', severity: 'error' },
  'deflate-error': { section: 'RFC7692 6.2', severity: 'error' },
  'mask-key-weak': { section: 'RFC6455 5.3', severity: 'warning' },
  'abnormal-closure': { section: 'RFC6455 7.1.5', severity: 'error' },
} as const satisfies Record<string, Rule>;

export type RuleId = keyof typeof RULES;

export const RULE_IDS = Object.keys(RULES) as RuleId[];
