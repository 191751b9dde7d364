declare module 'har-validator' {
  /** Resolves (with `data`) when `data` is valid HAR 1.2; rejects with the schema errors otherwise. */
  export function har(data: unknown): Promise<unknown>;
}
