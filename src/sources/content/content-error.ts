/**
 * Why a resolved version's content (its chart or pack archive) cannot be used: unsafe or oversized
 * archives, a digest that does not match. Fetch failures stay SourceErrors; both reach the profile
 * as PackContentUnavailable with this message.
 */
export class ContentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContentError';
  }
}
