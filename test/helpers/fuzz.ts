/**
 * Run counts for property tests: quick in `npm test`, 100x with FUZZ_LONG=1
 * (`npm run fuzz`), one seed per process, printed so a failure can be replayed
 * with FUZZ_SEED=n.
 */
import type fc from 'fast-check';

export const FUZZ_LONG = process.env.FUZZ_LONG === '1';
export const FUZZ_SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : Date.now() ^ (Math.random() * 2 ** 31);
/** Per-test timeout to pass to vitest: long runs take minutes. */
export const FUZZ_TIMEOUT = FUZZ_LONG ? 30 * 60_000 : 30_000;
if (FUZZ_LONG) console.log(`fast-check seed ${FUZZ_SEED} (replay with FUZZ_SEED=${FUZZ_SEED})`);

export function fuzzParams(quickRuns: number): fc.Parameters<unknown> {
  return { numRuns: FUZZ_LONG ? quickRuns * 100 : quickRuns, seed: FUZZ_SEED, endOnFailure: true };
}
