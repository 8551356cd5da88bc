import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';

const PIECE = 64 * 1024;

/** The chunks of `head` followed by `fill` repeated up to `total` bytes (S3-like 64 KiB pieces), made on demand. */
function* pieces(head: Buffer, total: number, fill: Buffer): Generator<Buffer> {
  let at = 0;
  while (at < total) {
    const piece = at < head.length ? head.subarray(at, Math.min(head.length, at + PIECE)) : fill.subarray(0, Math.min(fill.length, total - at));
    at += piece.length;
    yield piece;
  }
}

/**
 * A stream of `total` bytes that exist only as they are read (gigabytes cost nothing), counting what was read:
 * `head`, then `fill` (random by default) over and over.
 */
export function lazyObject(head: Buffer, total: number, fill: Buffer = randomBytes(PIECE)) {
  const source = pieces(head, total, fill);
  let produced = 0;
  const stream = new Readable({
    highWaterMark: PIECE,
    read() {
      const next = source.next();
      if (next.done) this.push(null);
      else {
        produced += next.value.length;
        this.push(next.value);
      }
    },
  });
  return {
    stream,
    /** Bytes the stream handed out so far. */
    produced: () => produced,
    /** SHA-256 (base64) of the whole object, computed apart. */
    sha256Base64: () => {
      const hash = createHash('sha256');
      for (const piece of pieces(head, total, fill)) hash.update(piece);
      return hash.digest('base64');
    },
  };
}

/** Samples this process' RSS until stop(); the peak above the RSS at start. */
export function rssGrowth(): { stop(): number } {
  const start = process.memoryUsage.rss();
  let peak = start;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 5);
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, process.memoryUsage.rss());
      return peak - start;
    },
  };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
