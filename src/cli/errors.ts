/** Exit codes of the contract, and the errors that carry them up to main. */
export const EXIT_OK = 0;
/** The thing checked is wrong: bad accept, rejected handshake, violations under --strict. */
export const EXIT_FAILED = 1;
/** Unknown flag, bad URL, port in use. */
export const EXIT_USAGE = 2;

/** A usage error: main prints its one-line message and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A failed check or operation with a message meant for the user: main prints it and exits 1. */
export class CheckFailed extends Error {
  override name = 'CheckFailed';
}
