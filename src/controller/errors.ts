/**
 * An error that retrying cannot fix (bad input that needs a spec change, not time). The work queue
 * forgets the key instead of backing off; the next change to the object brings it back.
 */
export class TerminalError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TerminalError';
  }
}
