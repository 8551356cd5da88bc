import { ApiError } from '../../src/core/errors';
import type { ByteSource, CompleteAnswer, CompleteRequestItem, UploadAnswer, UploadRequestItem, UploadTransport } from '../../src/core/upload-types';

interface Reservation {
  photoId: string;
  sha256: string;
  size: number;
  uploadId?: string;
  object?: number; // bytes received by a single PUT
  parts: Map<number, number>;
  state: 'uploading' | 'processing';
}

export type Fault = ApiError | Error | 'hang';
type Call = 'request' | 'complete' | 'put';

/**
 * The upload protocol as the API and S3 keep it (docs/architecture.md (b)), in memory: a reservation per
 * content (asking again answers for the same photo and the same multipart upload, with fresh URLs),
 * duplicates for content already completed, URLs that expire, ETags per part, an idempotent complete.
 * Faults are queued per call kind: the next call of that kind fails with it ('hang' never answers: the
 * app was killed mid-request).
 */
export class FakeUploadServer implements UploadTransport {
  readonly byContent = new Map<string, Reservation>();
  readonly calls: { request: UploadRequestItem[][]; complete: CompleteRequestItem[][]; put: string[] } = { request: [], complete: [], put: [] };
  private readonly faults: Record<Call, Fault[]> = { request: [], complete: [], put: [] };
  private photoCounter = 0;

  constructor(
    private readonly now: () => number,
    private readonly options: { multipartThreshold: number; partSize: number; urlTtlMs: number } = { multipartThreshold: 10, partSize: 4, urlTtlMs: 15 * 60_000 },
  ) {}

  fail(call: Call, ...faults: Fault[]): void {
    this.faults[call].push(...faults);
  }

  private async fault(call: Call): Promise<void> {
    const fault = this.faults[call].shift();
    if (fault === 'hang') await new Promise(() => undefined);
    if (fault) throw fault;
  }

  /** Photos the user has (completed), by content. */
  photos(): Reservation[] {
    return [...this.byContent.values()].filter((r) => r.state === 'processing');
  }

  async requestUploads(items: UploadRequestItem[]): Promise<UploadAnswer[]> {
    this.calls.request.push(items);
    await this.fault('request');
    if (items.length > 50) throw new ApiError({ status: 400, title: 'Bad Request', detail: 'at most 50 items' });
    const expiresAt = new Date(this.now() + this.options.urlTtlMs).toISOString();
    return items.map((item) => {
      let reservation = this.byContent.get(item.sha256);
      if (reservation?.state === 'processing') return { clientRef: item.clientRef, status: 'duplicate', photoId: reservation.photoId };
      if (!reservation) {
        const photoId = `photo${++this.photoCounter}`;
        reservation = { photoId, sha256: item.sha256, size: item.size, parts: new Map(), state: 'uploading' };
        if (item.size > this.options.multipartThreshold) reservation.uploadId = `mpu-${photoId}`;
        this.byContent.set(item.sha256, reservation);
      }
      const exp = Date.parse(expiresAt);
      if (reservation.uploadId) {
        const count = Math.ceil(reservation.size / this.options.partSize);
        const parts = Array.from({ length: count }, (_, i) => ({ partNumber: i + 1, url: `https://s3.test/${reservation.photoId}?part=${i + 1}&exp=${exp}` }));
        return { clientRef: item.clientRef, status: 'upload', photoId: reservation.photoId, upload: { multipart: { uploadId: reservation.uploadId, partSize: this.options.partSize, parts }, expiresAt } };
      }
      return {
        clientRef: item.clientRef,
        status: 'upload',
        photoId: reservation.photoId,
        upload: { method: 'PUT', url: `https://s3.test/${reservation.photoId}?exp=${exp}`, headers: { 'content-type': item.contentType, 'x-amz-checksum-sha256': item.sha256 }, expiresAt },
      };
    });
  }

  async put(url: string, headers: Record<string, string>, body: Uint8Array, onProgress?: (sent: number) => void): Promise<{ etag?: string }> {
    this.calls.put.push(url);
    await this.fault('put');
    onProgress?.(Math.floor(body.length / 2));
    onProgress?.(body.length);
    const parsed = new URL(url);
    if (Number(parsed.searchParams.get('exp')) < this.now()) throw new ApiError({ status: 403, title: 'AccessDenied', detail: 'Request has expired' });
    const reservation = [...this.byContent.values()].find((r) => r.photoId === parsed.pathname.slice(1));
    if (!reservation) throw new ApiError({ status: 404, title: 'NoSuchKey' });
    const part = parsed.searchParams.get('part');
    if (part) {
      reservation.parts.set(Number(part), body.length);
      return { etag: `"etag-${reservation.photoId}-${part}"` };
    }
    if (headers['x-amz-checksum-sha256'] !== reservation.sha256) throw new ApiError({ status: 400, title: 'BadDigest' });
    reservation.object = body.length;
    return { etag: '"whole"' };
  }

  async completeUploads(items: CompleteRequestItem[]): Promise<CompleteAnswer[]> {
    this.calls.complete.push(items);
    await this.fault('complete');
    return items.map((item) => {
      const reservation = [...this.byContent.values()].find((r) => r.photoId === item.photoId);
      if (!reservation) return { photoId: item.photoId, status: 'missing' };
      if (reservation.state === 'processing') return { photoId: item.photoId, status: 'processing' };
      if (reservation.uploadId) {
        const parts = item.parts ?? [];
        const expected = Math.ceil(reservation.size / this.options.partSize);
        const complete = parts.length === expected && parts.every((p) => p.etag === `"etag-${reservation.photoId}-${p.partNumber}"` && reservation.parts.has(p.partNumber));
        if (!complete) return { photoId: item.photoId, status: 'rejected', error: 'size-mismatch' };
      } else if (reservation.object === undefined) {
        return { photoId: item.photoId, status: 'missing' };
      }
      reservation.state = 'processing';
      return { photoId: item.photoId, status: 'processing' };
    });
  }
}

/** Photos on the "device": bytes by URI. Removing one is the user deleting it (or a web blob URL dying). */
export class FakeDevice implements ByteSource {
  readonly files = new Map<string, Uint8Array>();
  reads = 0;

  add(uri: string, content: string): { uri: string; filename: string; contentType: 'image/jpeg' } {
    this.files.set(uri, new TextEncoder().encode(content));
    return { uri, filename: `${uri}.jpg`, contentType: 'image/jpeg' };
  }

  async read(source: { uri: string }, range?: { start: number; end: number }): Promise<Uint8Array> {
    this.reads++;
    const bytes = this.files.get(source.uri);
    if (!bytes) throw new Error(`ENOENT ${source.uri}`);
    return range ? bytes.slice(range.start, range.end) : bytes;
  }
}

/** Not SHA-256, but as content-addressed for the fake server: equal bytes, equal digest. */
export async function fakeSha256(bytes: Uint8Array): Promise<string> {
  return `sha:${Array.from(bytes).join('.')}`;
}
