import { createHash } from 'node:crypto';
import { type Readable } from 'node:stream';

export interface ReadOnceResult {
  bytes: Buffer;
  /** SHA-256 of the bytes, base64 (the form S3's x-amz-checksum-sha256 and clients use). */
  sha256Base64: string;
  size: number;
}

/** The stream held more than maxBytes: a permanent property of the object, not a transient failure. */
export class TooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`object is larger than ${maxBytes} bytes`);
    this.name = 'TooLargeError';
  }
}

/**
 * Consumes `input` once, hashing each chunk as it arrives while keeping the bytes (decoders need the whole
 * photo in memory anyway). Beyond maxBytes it stops reading, destroys the stream and throws TooLargeError.
 * Errors of the stream itself (network, S3) propagate unchanged: those are the retryable ones.
 */
export async function readOnce(input: Readable, maxBytes: number): Promise<ReadOnceResult> {
  const hash = createHash('sha256');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of input) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > maxBytes) {
      input.destroy();
      throw new TooLargeError(maxBytes);
    }
    hash.update(buffer);
    chunks.push(buffer);
  }
  return { bytes: Buffer.concat(chunks, size), sha256Base64: hash.digest('base64'), size };
}
