/**
 * The violation rules as /work/shared/contract.md lists them ("Violation
 * rules"), written out by hand from that page, never from the code: tests
 * compare the code's rules and the events it emits with this table.
 * Severity: "warning" where the contract says so (length-not-minimal,
 * mask-key-weak), "error" for every other rule.
 */
export interface ContractRule {
  section: string;
  severity: 'error' | 'warning';
}

const error = (section: string): ContractRule => ({ section, severity: 'error' });
const warning = (section: string): ContractRule => ({ section, severity: 'warning' });

export const HANDSHAKE_RULES: Record<string, ContractRule> = {
  'handshake-method': error('RFC6455 4.1'),
  'handshake-http-version': error('RFC6455 4.1'),
  'handshake-missing-host': error('RFC6455 4.1'),
  'handshake-upgrade-header': error('RFC6455 4.1, 4.2.2'),
  'handshake-connection-header': error('RFC6455 4.1, 4.2.2'),
  'handshake-key-invalid': error('RFC6455 4.1'),
  'handshake-version': error('RFC6455 4.1'),
  'handshake-accept-mismatch': error('RFC6455 4.1'),
  'handshake-subprotocol-not-offered': error('RFC6455 4.1'),
  'handshake-extension-not-offered': error('RFC6455 9.1, RFC7692 7'),
};

export const FRAME_RULES: Record<string, ContractRule> = {
  'client-frame-unmasked': error('RFC6455 5.1'),
  'server-frame-masked': error('RFC6455 5.1'),
  'reserved-bits': error('RFC6455 5.2'),
  'reserved-opcode': error('RFC6455 5.2'),
  'control-frame-too-long': error('RFC6455 5.5'),
  'control-frame-fragmented': error('RFC6455 5.5'),
  'unexpected-continuation': error('RFC6455 5.4'),
  'expected-continuation': error('RFC6455 5.4'),
  'length-not-minimal': warning('RFC6455 5.2'),
  'length-msb-set': error('RFC6455 5.2'),
  'invalid-utf8': error('RFC6455 8.1, 5.5.1'),
  'close-payload-length-one': error('RFC6455 5.5.1'),
  'close-code-invalid': error('RFC6455 7.4'),
  'data-after-close': error('RFC6455 5.5.1'),
  'deflate-rsv1-misuse': error('RFC7692 6'),
  'deflate-error': error('RFC7692 6.2'),
  'mask-key-weak': warning('RFC6455 5.3'),
};

export const CONNECTION_RULES: Record<string, ContractRule> = {
  'abnormal-closure': error('RFC6455 7.1.5'),
};

export const CONTRACT_RULES: Record<string, ContractRule> = { ...HANDSHAKE_RULES, ...FRAME_RULES, ...CONNECTION_RULES };
