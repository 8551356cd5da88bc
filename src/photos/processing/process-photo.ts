import { type Readable } from 'node:stream';
import { makeDerivatives, UndecodableError } from './derivatives.js';
import { type GpsPosition, type PhotoExif, readExif, type TakenAt } from './exif.js';
import { readOnce, TooLargeError } from './read-once.js';
import { type AllowedType, sniffImageType, typeFamily } from './sniff.js';

export interface DeclaredPhoto {
  /** SHA-256 the client declared for the bytes, base64. */
  sha256Base64: string;
  /** Content-Type the client declared. */
  contentType: string;
  /** Largest object accepted; beyond it the photo is rejected 'too-large' without reading further. */
  maxBytes: number;
  /** Size the client declared, if any: a different size is a 'checksum-mismatch'. */
  size?: number;
}

export type RejectReason = 'checksum-mismatch' | 'too-large' | 'not-an-image' | 'type-mismatch' | 'undecodable';

export interface RejectedPhoto {
  status: 'rejected';
  reason: RejectReason;
  /** Human-readable detail for logs and support (never shown as-is to other users). */
  detail: string;
}

export interface ProcessedPhoto {
  status: 'ready';
  sha256Base64: string;
  size: number;
  /** The type sniffed from the bytes (not the declared one). */
  contentType: AllowedType;
  /** As displayed, after orientation. */
  width: number;
  height: number;
  takenAt: TakenAt | null;
  exif: PhotoExif;
  location: GpsPosition | null;
  thumbhash: string;
  /** WebP, <= 250 px long side. */
  thumbnail: Buffer;
  /** Progressive JPEG, <= 1440 px long side. */
  preview: Buffer;
}

/**
 * Reads a stored photo once and turns it into everything the platform keeps about it.
 *
 * Outcomes: 'ready' with derivatives, or 'rejected' with a reason for anything that is a property of the bytes
 * (a retry would fail the same way): checksum or size mismatch, too large, not an image, a type other than
 * the declared family, undecodable (corrupt, truncated, poison). Only errors of the input stream (I/O) are
 * thrown, as those are the retryable ones.
 */
export async function processPhoto(input: Readable, declared: DeclaredPhoto): Promise<ProcessedPhoto | RejectedPhoto> {
  let read;
  try {
    read = await readOnce(input, declared.maxBytes);
  } catch (error) {
    if (error instanceof TooLargeError) return reject('too-large', error.message);
    throw error;
  }
  const { bytes, sha256Base64, size } = read;

  if (declared.size !== undefined && declared.size !== size) {
    return reject('checksum-mismatch', `declared ${declared.size} bytes, read ${size}`);
  }
  if (sha256Base64 !== declared.sha256Base64) {
    return reject('checksum-mismatch', `declared SHA-256 ${declared.sha256Base64}, computed ${sha256Base64}`);
  }

  const type = sniffImageType(bytes);
  if (!type) return reject('not-an-image', 'the bytes are none of the allowed image types');
  const declaredFamily = typeFamily(declared.contentType);
  if (declaredFamily !== typeFamily(type)) {
    return reject('type-mismatch', `declared ${declared.contentType}, the bytes are ${type}`);
  }

  let derivatives;
  try {
    derivatives = await makeDerivatives(bytes, type);
  } catch (error) {
    if (error instanceof UndecodableError) return reject('undecodable', error.message);
    throw error;
  }
  const exif = await readExif(bytes);

  return {
    status: 'ready',
    sha256Base64,
    size,
    contentType: type,
    width: derivatives.width,
    height: derivatives.height,
    takenAt: exif.takenAt,
    exif,
    location: exif.gps,
    thumbhash: derivatives.thumbhash,
    thumbnail: derivatives.thumbnail,
    preview: derivatives.preview,
  };
}

function reject(reason: RejectReason, detail: string): RejectedPhoto {
  return { status: 'rejected', reason, detail };
}
