import type { Body, Operation, ResponseOf } from './api-types';

export type UploadRequestItem = Body<Operation<'/v1/uploads', 'post'>>['items'][number];
export type UploadAnswer = ResponseOf<Operation<'/v1/uploads', 'post'>>['items'][number];
export type CompleteRequestItem = Body<Operation<'/v1/uploads/complete', 'post'>>['items'][number];
export type CompleteAnswer = ResponseOf<Operation<'/v1/uploads/complete', 'post'>>['items'][number];
export type ContentType = UploadRequestItem['contentType'];

/** Where the photo's bytes are: what the byte source needs to read them again after a restart. */
export interface SourceRef {
  uri: string;
  filename: string;
  contentType: ContentType;
}

/** Reads a picked photo's bytes (whole, or [start, end) of them for a multipart part). */
export interface ByteSource {
  read(source: SourceRef, range?: { start: number; end: number }): Promise<Uint8Array>;
}

/**
 * Where the platform's reference to a picked file dies with the app (a web page's blob: URI), a keeper
 * copies the file somewhere lasting (IndexedDB) before the item is stored, and the byte source reads the copy.
 */
export interface SourceKeeper {
  /** The reference to store instead (a failure to keep falls back to the original, alive until a reload). */
  keep(source: SourceRef): Promise<SourceRef>;
  release(source: SourceRef): Promise<void>;
  /** Deletes every kept copy but those of these sources. */
  retainOnly(sources: SourceRef[]): Promise<void>;
}

/** Thrown by a byte source when the photo cannot be read any more (deleted, or a web blob: URI after a reload). */
export class SourceUnavailableError extends Error {
  constructor(message = 'The photo is no longer available on this device') {
    super(message);
    this.name = 'SourceUnavailableError';
  }
}

/** The HTTP side of the queue: the API's two upload calls and the PUTs to presigned URLs. */
export interface UploadTransport {
  requestUploads(items: UploadRequestItem[]): Promise<UploadAnswer[]>;
  completeUploads(items: CompleteRequestItem[]): Promise<CompleteAnswer[]>;
  /** PUT to a presigned URL; resolves with the ETag S3 answered (multipart needs it), throws an ApiError. */
  put(url: string, headers: Record<string, string>, body: Uint8Array, onProgress?: (sentBytes: number) => void): Promise<{ etag?: string }>;
}

/** `receivedAt` is the device's clock when the URLs arrived (expiresAt is the server's). */
export type UploadTarget =
  | { kind: 'single'; url: string; headers: Record<string, string>; expiresAt: string; receivedAt: number }
  | { kind: 'multipart'; uploadId: string; partSize: number; parts: { partNumber: number; url: string }[]; expiresAt: string; receivedAt: number };

/**
 * hashing -> requesting -> uploading (part by part for multipart) -> completing -> done;
 * `failed` means the item needs the user (retry or remove): a permanent refusal or a spent retry budget.
 */
export type UploadStep = 'hashing' | 'requesting' | 'uploading' | 'completing' | 'done' | 'failed';

export interface UploadProblem {
  status: number;
  title: string;
  detail?: string;
}

export interface UploadItem {
  /** Also the clientRef sent to the server. */
  id: string;
  source: SourceRef;
  createdAt: number;
  step: UploadStep;
  size?: number;
  sha256?: string;
  photoId?: string;
  target?: UploadTarget;
  /** ETags of multipart parts already uploaded, by part number: a restart resumes at the next part. */
  etags: Record<string, string>;
  /** Bytes of the photo sent so far (parts done plus the current one's progress), for the progress bar. */
  sentBytes?: number;
  /** The part being sent now (multipart), for "uploading part k of n". */
  part?: number;
  /** Failures in a row (reset by progress); past the budget the item fails. */
  attempts: number;
  /** Epoch ms before which the item waits (backoff, Retry-After). */
  notBefore?: number;
  /** The last failure, kept while retrying so the screen can say why it waits. */
  problem?: UploadProblem;
  /** The step a failed item stopped at: retry() goes back there. */
  failedAt?: UploadStep;
  /**
   * How the server settled it: `duplicate` is "already in your library"; `processing` becomes `ready` or
   * `rejected` (with `problem`) when the processing watch hears the outcome.
   */
  result?: 'ready' | 'processing' | 'duplicate' | 'rejected';
}
