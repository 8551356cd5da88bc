import { createHash } from 'node:crypto';
import { type FileHandle, mkdtemp, open, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { type ByteRange, type ImageHeader, readImageHeader } from './image-header.js';
import { sniffImageType } from './sniff.js';

/** The head is read in pieces until the header answers; an image whose dimensions lie further on is refused. */
export const HEAD_MAX_BYTES = 1024 * 1024;
/** Of a DNG, the first bytes are kept as well as IFD0's ranges: EXIF and GPS IFDs live there. */
const DNG_HEAD_KEEP = HEAD_MAX_BYTES;

export type Header = Extract<ImageHeader, { status: 'image' }>;

/** Decides from the header whether to read on; a refusal stops reading (the stream is then destroyed). */
export type HeaderCheck = (header: ImageHeader) => { refuse: RefusalReason; detail: string } | undefined;
export type RefusalReason = 'checksum-mismatch' | 'too-large' | 'not-an-image' | 'type-mismatch' | 'undecodable';

export interface StageLimits {
  /** Largest object: reading stops beyond it. */
  maxBytes: number;
  /** Size the client declared: reading stops beyond it, and a shorter object is a mismatch too. */
  declaredSize?: number;
  /** Most bytes a DNG may keep on disk (IFD0 and its image); beyond it the DNG is refused 'too-large'. */
  maxKeptBytes: number;
}

export type StageResult =
  | { status: 'staged'; header: Header; file: string; size: number; sha256Base64: string; cleanup(): Promise<void> }
  | { status: 'refused'; reason: RefusalReason; detail: string; bytesRead: number };

/**
 * Reads `input` once: its head until the image header answers (at most HEAD_MAX_BYTES), then, if `check`
 * lets it through, the rest into a temporary file while hashing. Memory holds the head and one chunk at a time,
 * whatever the size. A DNG keeps only what decoding IFD0 needs, in a sparse file (gigabytes of raw sensor data
 * cost neither memory nor disk). Refusals destroy the stream at once. The caller removes the file (cleanup())
 * once done; refusals and errors leave nothing behind. Stream errors are thrown unchanged (retryable).
 */
export async function stagePhoto(input: Readable, limits: StageLimits, check: HeaderCheck, signal?: AbortSignal): Promise<StageResult> {
  const chunks = input[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const refuse = (reason: RefusalReason, detail: string, bytesRead: number): StageResult => {
    input.destroy();
    return { status: 'refused', reason, detail, bytesRead };
  };
  const limit = Math.min(limits.maxBytes, limits.declaredSize ?? Infinity);
  const overLimit = (size: number) =>
    size > limits.maxBytes
      ? refuse('too-large', `object is larger than ${limits.maxBytes} bytes`, size)
      : refuse('checksum-mismatch', `declared ${limits.declaredSize} bytes, read more`, size);
  if (limits.declaredSize !== undefined && limits.declaredSize > limits.maxBytes) {
    return refuse('too-large', `declared ${limits.declaredSize} bytes, more than ${limits.maxBytes}`, 0);
  }

  const hash = createHash('sha256');
  const pending: Buffer[] = [];
  let size = 0;
  let ended = false;
  let header: ImageHeader = { status: 'need-more' };
  while (header.status === 'need-more') {
    signal?.throwIfAborted();
    const next = await chunks.next();
    if (next.done) {
      ended = true;
    } else {
      const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
      size += chunk.length;
      if (size > limit) return overLimit(size);
      hash.update(chunk);
      pending.push(chunk);
    }
    const head = pending.length === 1 ? pending[0]! : Buffer.concat(pending, size);
    pending.splice(0, pending.length, head);
    header = readImageHeader(head.subarray(0, HEAD_MAX_BYTES));
    if (header.status === 'need-more' && (ended || size >= HEAD_MAX_BYTES)) {
      const where = ended ? 'in the whole object' : `in the first ${HEAD_MAX_BYTES} bytes`;
      return refuse(sniffImageType(head) ? 'undecodable' : 'not-an-image', `no complete image header ${where}`, size);
    }
  }
  const refusal = check(header);
  if (refusal) return refuse(refusal.refuse, refusal.detail, size);
  if (header.status !== 'image') return refuse('undecodable', 'no image header', size);

  const keep = header.ranges ? keptRanges(header.ranges) : undefined;
  const kept = keep?.reduce((sum, range) => sum + range.length, 0);
  if (kept !== undefined && kept > limits.maxKeptBytes) {
    return refuse('too-large', `DNG preview of ${kept} bytes, more than ${limits.maxKeptBytes}`, size);
  }

  const dir = await mkdtemp(path.join(os.tmpdir(), 'photo-'));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  const file = path.join(dir, 'original');
  let handle: FileHandle | undefined;
  let staged = false;
  try {
    handle = await open(file, 'w');
    const writer = new RangeWriter(handle, keep);
    await writer.write(pending[0] ?? Buffer.alloc(0), 0);
    pending.length = 0;
    while (!ended) {
      signal?.throwIfAborted();
      const next = await chunks.next();
      if (next.done) break;
      const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
      const position = size;
      size += chunk.length;
      if (size > limit) return overLimit(size);
      hash.update(chunk);
      await writer.write(chunk, position);
    }
    // Sparse: the holes of a DNG read as zeros and take no disk.
    if (keep) await handle.truncate(size);
    staged = true;
    return { status: 'staged', header, file, size, sha256Base64: hash.digest('base64'), cleanup };
  } catch (error) {
    input.destroy();
    throw error;
  } finally {
    await handle?.close().catch(() => undefined);
    if (!staged) await cleanup();
  }
}

/** IFD0's ranges and the head, sorted and merged. */
export function keptRanges(ranges: ByteRange[]): ByteRange[] {
  const sorted = [{ start: 0, length: DNG_HEAD_KEEP }, ...ranges].filter((r) => r.length > 0).sort((a, b) => a.start - b.start);
  const merged: ByteRange[] = [];
  for (const range of sorted) {
    const last = merged.at(-1);
    if (last && range.start <= last.start + last.length) {
      last.length = Math.max(last.length, range.start + range.length - last.start);
    } else merged.push({ ...range });
  }
  return merged;
}

/** Writes chunks at their file positions, all of them or only the parts inside sorted, disjoint ranges. */
class RangeWriter {
  #next = 0;

  constructor(
    private readonly handle: FileHandle,
    private readonly ranges: ByteRange[] | undefined,
  ) {}

  async write(chunk: Buffer, position: number): Promise<void> {
    if (!this.ranges) {
      await this.handle.write(chunk, 0, chunk.length, position);
      return;
    }
    const end = position + chunk.length;
    // Ranges wholly behind this chunk are done (chunks come in order).
    while (this.#next < this.ranges.length && this.ranges[this.#next]!.start + this.ranges[this.#next]!.length <= position) this.#next++;
    for (let i = this.#next; i < this.ranges.length && this.ranges[i]!.start < end; i++) {
      const from = Math.max(position, this.ranges[i]!.start);
      const to = Math.min(end, this.ranges[i]!.start + this.ranges[i]!.length);
      if (to > from) await this.handle.write(chunk, from - position, to - from, from);
    }
  }
}
