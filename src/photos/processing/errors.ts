/**
 * The bytes cannot be decoded (corrupt, truncated, unsupported variant): a permanent property of the photo.
 * Apart from derivatives.ts so that the server process never loads sharp or heic-decode (only decoders do).
 */
export class UndecodableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UndecodableError';
  }
}
