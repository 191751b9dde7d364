/** The one error parsing a filter can throw: where (1-based) and why. */
export class FilterSyntaxError extends Error {
  /** 1-based character position in the expression. */
  readonly position: number;
  readonly reason: string;

  constructor(index: number, reason: string) {
    super(`invalid filter at position ${index + 1}: ${reason}`);
    this.name = 'FilterSyntaxError';
    this.position = index + 1;
    this.reason = reason;
  }
}
