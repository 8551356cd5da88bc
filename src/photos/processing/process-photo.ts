import { type Readable } from 'node:stream';
import type { DecoderPool } from './decoder-pool.js';
import { UndecodableError } from './errors.js';
import type { GpsPosition, PhotoExif, TakenAt } from './exif.js';
import type { ImageHeader } from './image-header.js';
import { decodeEstimateBytes, maxPixelsFor } from './memory-budget.js';
import { type AllowedType, typeFamily } from './sniff.js';
import { stagePhoto } from './stage.js';

export interface DeclaredPhoto {
  /** SHA-256 the client declared for the bytes, base64. */
  sha256Base64: string;
  /** Content-Type the client declared. */
  contentType: string;
  /** Largest object accepted; beyond it the photo is rejected 'too-large' without reading further. */
  maxBytes: number;
  /** Size the client declared, if any: a different size is a 'checksum-mismatch'. */
  size?: number;
  /** The job's budget: when it aborts, reading and decoding stop (the caller passes the job's signal). */
  signal?: AbortSignal;
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
 * The head of the stream decides first: not an image of an allowed type, another family than declared, or more
 * pixels than this task can decode (DecoderPool's budget) are refused without reading further. Then the bytes go
 * to a temporary file while their SHA-256 and size are checked, and a decoder process makes the derivatives and
 * reads the EXIF from that file; the file is removed on every path.
 *
 * Outcomes: 'ready' with derivatives, or 'rejected' with a reason for anything that is a property of the bytes
 * (a retry would fail the same way): checksum or size mismatch, too large (bytes or pixels), not an image, a type
 * other than the declared family, undecodable (corrupt, truncated, poison). Errors of the input stream (I/O),
 * a decoder that crashed and the abort of `declared.signal` (the decoder killed first) are thrown: retryable.
 */
export async function processPhoto(
  input: Readable,
  declared: DeclaredPhoto,
  decoder: DecoderPool,
): Promise<ProcessedPhoto | RejectedPhoto> {
  const { signal } = declared;
  const declaredFamily = typeFamily(declared.contentType);
  const check = (header: ImageHeader) => {
    if (header.status === 'not-an-image') return { refuse: 'not-an-image', detail: 'the bytes are none of the allowed image types' } as const;
    if (header.status === 'malformed') return { refuse: 'undecodable', detail: header.detail } as const;
    if (header.status !== 'image') return undefined;
    if (declaredFamily !== typeFamily(header.type)) {
      return { refuse: 'type-mismatch', detail: `declared ${declared.contentType}, the bytes are ${header.type}` } as const;
    }
    const limit = maxPixelsFor(header.type, decoder.budget);
    if (header.width * header.height > limit) {
      return { refuse: 'too-large', detail: `${header.type} of ${header.width}x${header.height} pixels, more than ${limit} on this task` } as const;
    }
    return undefined;
  };
  const staged = await stagePhoto(input, { maxBytes: declared.maxBytes, declaredSize: declared.size, maxKeptBytes: KEPT_BYTES_MAX }, check, signal);
  if (staged.status === 'refused') return reject(staged.reason, staged.detail);
  try {
    const { header, size, sha256Base64 } = staged;
    if (declared.size !== undefined && declared.size !== size) {
      return reject('checksum-mismatch', `declared ${declared.size} bytes, read ${size}`);
    }
    if (sha256Base64 !== declared.sha256Base64) {
      return reject('checksum-mismatch', `declared SHA-256 ${declared.sha256Base64}, computed ${sha256Base64}`);
    }
    const pixels = header.width * header.height;
    const estimate = decodeEstimateBytes(header.type, pixels, size);
    if (estimate > decoder.budget.decodeBudgetBytes) {
      // HEIC: its pixels fit, but not together with the file that libheif reads into memory.
      return reject('too-large', `${header.type} of ${header.width}x${header.height} pixels and ${size} bytes needs more memory than this task has`);
    }
    let decoded;
    try {
      decoded = await decoder.decode({ path: staged.file, type: header.type, maxPixels: maxPixelsFor(header.type, decoder.budget) }, estimate, signal);
    } catch (error) {
      if (error instanceof UndecodableError) return reject('undecodable', error.message);
      throw error;
    }
    const { derivatives, exif } = decoded;
    return {
      status: 'ready',
      sha256Base64,
      size,
      contentType: header.type,
      width: derivatives.width,
      height: derivatives.height,
      takenAt: exif.takenAt,
      exif,
      location: exif.gps,
      thumbhash: derivatives.thumbhash,
      thumbnail: derivatives.thumbnail,
      preview: derivatives.preview,
    };
  } finally {
    await staged.cleanup();
  }
}

/** Most bytes of a DNG kept on disk for its decode (IFD0 and its preview image); the raw data is never kept. */
const KEPT_BYTES_MAX = 256 * 1024 ** 2;

function reject(reason: RejectReason, detail: string): RejectedPhoto {
  return { status: 'rejected', reason, detail };
}
