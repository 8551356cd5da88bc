/**
 * Entry of a decoder process (forked by DecoderPool): decodes one photo at a time from a file and answers with
 * its derivatives and EXIF. It lives apart from the HTTP process so that a decode can be killed when its job
 * runs out of time (libvips and libheif cannot be interrupted) and so that its memory is never the server's.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import sharp from 'sharp';
import { makeDerivatives, UndecodableError } from './derivatives.js';
import type { DecodeReply, DecodeRequest } from './decoder-protocol.js';
import { readExif } from './exif.js';

// One libvips thread per decode: the pool already runs one decode per worker, on a task of few cores.
sharp.concurrency(1);
// Nothing is decoded twice: libvips' operation cache would only hold memory.
sharp.cache(false);

try {
  // Should the task ever run short of memory, the kernel ends a decoder (its job retries), not the server.
  writeFileSync('/proc/self/oom_score_adj', '1000');
} catch {
  // Not Linux, or not allowed: the pixel limits still apply.
}

// The parent died or closed the pool: nothing left to do.
process.on('disconnect', () => process.exit(0));

process.on('message', (request: DecodeRequest) => {
  void decode(request).then((reply) => process.send?.(reply));
});

async function decode({ id, path, type, maxPixels }: DecodeRequest): Promise<DecodeReply> {
  try {
    const isoBmff = type === 'image/heic' || type === 'image/heif' || type === 'image/avif';
    const [derivatives, exif] = [await makeDerivatives(path, type, maxPixels), await readExif(path, isoBmff)];
    return { id, ok: true, derivatives, exif, rssBytes: process.memoryUsage.rss(), peakRssBytes: peakRss() };
  } catch (error) {
    return { id, ok: false, undecodable: error instanceof UndecodableError, message: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Peak resident memory of this process: VmHWM on Linux (getrusage's maxRSS would include the parent's memory
 * at fork time, which Linux carries across exec).
 */
function peakRss(): number {
  try {
    const kib = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'latin1'))?.[1];
    if (kib) return Number(kib) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}
