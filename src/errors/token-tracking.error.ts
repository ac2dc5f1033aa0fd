/**
 * Base class of every error this library throws. `code` is stable across
 * releases and safe to branch on or return to clients; `message` says what
 * happened and, where it helps, what to do.
 */
export abstract class TokenTrackingError extends Error {
  abstract readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}
