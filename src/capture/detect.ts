/**
 * A capture's format, told from its first bytes (never from its name): the
 * pcap and pcapng magic numbers, a HAR's JSON object, or wsinspect's NDJSON
 * (lines of events, each an object that starts with its `type`).
 */
import { isPcapMagic } from './pcap-reader.js';
import { isPcapngMagic } from './pcapng-reader.js';

export type CaptureFormat = 'pcap' | 'pcapng' | 'har' | 'ndjson';

/** How many leading bytes detection wants (fewer is fine for a short file). */
export const DETECT_BYTES = 64 * 1024;

export const EXPECTED_FORMATS = 'expected a pcap, pcapng, HAR 1.2 or wsinspect NDJSON file';

export function detectFormat(head: Uint8Array): CaptureFormat | null {
  if (isPcapMagic(head)) return 'pcap';
  if (isPcapngMagic(head)) return 'pcapng';
  const text = Buffer.from(head.buffer, head.byteOffset, head.byteLength).toString('utf8').replace(/^\uFEFF/, '');
  const start = text.trimStart();
  if (!start.startsWith('{')) return null;
  const firstLine = start.split('\n', 1)[0]!;
  if (/^\{\s*"type"\s*:\s*"/.test(firstLine) || isEventLine(firstLine)) return 'ndjson';
  return 'har';
}

function isEventLine(line: string): boolean {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
  } catch {
    return false;
  }
}
