import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import sharp from 'sharp';
import { DecoderPool } from '../../../src/photos/processing/decoder-pool.js';
import { DEFAULT_DECODE_MAX_PIXELS, DEFAULT_TASK_MEMORY_MB, processingBudget } from '../../../src/photos/processing/memory-budget.js';
import { processPhoto } from '../../../src/photos/processing/process-photo.js';
import { fixture, pixels, ROTATED_PATTERN, sha256Base64 } from './helpers.js';
import { isAlive, lazyObject, rssGrowth } from './streams.js';
import { dngHead, jpegBombHead, pngBombHead } from './synthetic.js';

const MAX = 10 * 1024 * 1024;
const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
/** What processPhoto may read of an object it refuses from its header: the head it inspects, plus one chunk. */
const HEAD_BOUND = MiB + 64 * 1024;

// A private temporary folder (os.tmpdir() follows TMPDIR), to see that every path leaves nothing behind.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'process-photo-test-'));
const previousTmp = process.env.TMPDIR;
/** Decoders sized as a default task's (2 GB, 4 workers). */
const decoders = new DecoderPool(processingBudget(DEFAULT_TASK_MEMORY_MB * MiB, 4, DEFAULT_DECODE_MAX_PIXELS)!);
beforeAll(() => {
  process.env.TMPDIR = tmp;
});
afterAll(async () => {
  process.env.TMPDIR = previousTmp;
  await decoders.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});
afterEach(() => {
  // (tsx, which runs the decoder's TypeScript under jest, keeps its cache there too.)
  expect(fs.readdirSync(tmp).filter((name) => !name.startsWith('tsx-'))).toEqual([]);
});

function upload(name: string, contentType: string, overrides: { sha256Base64?: string; maxBytes?: number; size?: number } = {}) {
  const bytes = fixture(name);
  return processPhoto(Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)]), {
    sha256Base64: sha256Base64(bytes),
    contentType,
    maxBytes: MAX,
    ...overrides,
  }, decoders);
}

describe('processPhoto', () => {
  it('turns a JPEG with EXIF into a ready photo: sniffed type, size, EXIF, location, derivatives', async () => {
    const bytes = fixture('exif.jpg');
    const result = await upload('exif.jpg', 'image/jpeg');
    expect(result).toMatchObject({
      status: 'ready',
      sha256Base64: sha256Base64(bytes),
      size: bytes.length,
      contentType: 'image/jpeg',
      width: 320,
      height: 240,
      takenAt: { value: '2024-07-14T18:32:05.120+02:00', offset: '+02:00', isLocalTime: false },
      location: { lat: 48.8584, lon: 2.2945, alt: 35 },
      exif: { make: 'Apple', model: 'iPhone 15 Pro', orientation: 1 },
    });
    if (result.status !== 'ready') throw new Error('not ready');
    expect((await sharp(result.thumbnail).metadata()).format).toBe('webp');
    expect((await sharp(result.preview).metadata()).format).toBe('jpeg');
    expect(result.thumbhash).toMatch(/^[A-Za-z0-9+/]+=*$/);
  });

  it('processes an iPhone-style rotated HEIC declared as image/heif (same family), displayed upright', async () => {
    const result = await upload('rotated.heic', 'image/heif');
    expect(result).toMatchObject({ status: 'ready', contentType: 'image/heic', width: 240, height: 480 });
    if (result.status !== 'ready') throw new Error('not ready');
    const thumbnail = await pixels(result.thumbnail);
    for (const [fx, fy, colour] of ROTATED_PATTERN) expect(thumbnail.colour(fx, fy)).toBe(colour);
  });

  it('accepts a declared image/jpg alias with parameters', async () => {
    expect(await upload('rotated-6.jpg', 'image/jpg; charset=binary')).toMatchObject({ status: 'ready', width: 240, height: 480 });
  });

  it('rejects a SHA-256 or size other than declared as checksum-mismatch', async () => {
    const other = sha256Base64(Buffer.from('something else'));
    expect(await upload('exif.jpg', 'image/jpeg', { sha256Base64: other })).toMatchObject({ status: 'rejected', reason: 'checksum-mismatch' });
    expect(await upload('exif.jpg', 'image/jpeg', { size: 1 })).toMatchObject({ status: 'rejected', reason: 'checksum-mismatch' });
  });

  it('rejects a text file named .jpg as not-an-image, and a plain TIFF too', async () => {
    expect(await upload('text.jpg', 'image/jpeg')).toMatchObject({ status: 'rejected', reason: 'not-an-image' });
    expect(await upload('plain.tif', 'image/tiff')).toMatchObject({ status: 'rejected', reason: 'not-an-image' });
  });

  it('rejects bytes of another family than declared as type-mismatch', async () => {
    expect(await upload('photo.png', 'image/jpeg')).toMatchObject({ status: 'rejected', reason: 'type-mismatch' });
    expect(await upload('photo.heic', 'image/avif')).toMatchObject({ status: 'rejected', reason: 'type-mismatch' });
    expect(await upload('exif.jpg', 'application/octet-stream')).toMatchObject({ status: 'rejected', reason: 'type-mismatch' });
  });

  it('rejects an object larger than maxBytes as too-large', async () => {
    expect(await upload('exif.jpg', 'image/jpeg', { maxBytes: 1000 })).toMatchObject({ status: 'rejected', reason: 'too-large' });
  });

  it('rejects a poison photo (truncated JPEG, garbage HEIC) as undecodable instead of throwing', async () => {
    const jpeg = fixture('exif.jpg').subarray(0, 2000);
    const heic = Buffer.concat([fixture('photo.heic').subarray(0, 40), Buffer.alloc(3000, 0x33)]);
    for (const [bytes, type] of [[jpeg, 'image/jpeg'], [heic, 'image/heic']] as const) {
      const result = await processPhoto(Readable.from([bytes]), { sha256Base64: sha256Base64(bytes), contentType: type, maxBytes: MAX }, decoders);
      expect(result).toMatchObject({ status: 'rejected', reason: 'undecodable' });
    }
  });

  it('lets an I/O error of the stream propagate (retryable)', async () => {
    const stream = new PassThrough();
    stream.write(fixture('exif.jpg').subarray(0, 100));
    setImmediate(() => stream.destroy(new Error('ECONNRESET')));
    await expect(processPhoto(stream, { sha256Base64: 'x', contentType: 'image/jpeg', maxBytes: MAX }, decoders)).rejects.toThrow('ECONNRESET');
  });

  it('refuses random bytes declared as a 5 GiB DNG after reading only its first bytes', async () => {
    const object = lazyObject(Buffer.alloc(0), 5 * GiB);
    const result = await processPhoto(object.stream, { sha256Base64: 'unknown', contentType: 'image/x-adobe-dng', maxBytes: 5 * GiB, size: 5 * GiB }, decoders);
    expect(result).toMatchObject({ status: 'rejected', reason: 'not-an-image' });
    expect(object.produced()).toBeLessThanOrEqual(HEAD_BOUND);
    expect(object.stream.destroyed).toBe(true);
  });

  it.each([
    ['PNG', 'image/png', pngBombHead(60000, 60000)],
    ['JPEG', 'image/jpeg', jpegBombHead(60000, 60000)],
    ['JPEG of 16000x16000 (under libvips own limit)', 'image/jpeg', jpegBombHead(16000, 16000)],
  ])('refuses a %s header declaring more pixels than the task can decode, without reading on or decoding', async (_name, type, head) => {
    const object = lazyObject(head, 100 * MiB, Buffer.alloc(64 * 1024));
    const decoder = new DecoderPool({ decoders: 1, decodeBudgetBytes: 1024 * MiB, maxPixels: 100_000_000 });
    const result = await processPhoto(object.stream, { sha256Base64: object.sha256Base64(), contentType: type, maxBytes: 200 * MiB }, decoder);
    expect(result).toMatchObject({ status: 'rejected', reason: 'too-large' });
    expect(object.produced()).toBeLessThanOrEqual(HEAD_BOUND);
    expect(decoder.pids).toEqual([]); // no decoder ever started
  });

  it('sizes the pixel limit per type from the decode budget: 81 MP passes as JPEG, not as HEIC', async () => {
    const decoder = new DecoderPool({ decoders: 1, decodeBudgetBytes: 128 * MiB, maxPixels: 100_000_000 });
    // photo.heic with its ispe (image size) properties saying 9000x9000.
    const heic = Buffer.from(fixture('photo.heic'));
    for (let at = heic.indexOf('ispe'); at >= 0; at = heic.indexOf('ispe', at + 4)) {
      heic.writeUInt32BE(9000, at + 8);
      heic.writeUInt32BE(9000, at + 12);
    }
    const asHeic = await processPhoto(Readable.from([heic]), { sha256Base64: sha256Base64(heic), contentType: 'image/heic', maxBytes: MAX }, decoder);
    expect(asHeic).toMatchObject({ status: 'rejected', reason: 'too-large' });
    expect(decoder.pids).toEqual([]);
    // The same pixels as JPEG (shrink-on-load: about a byte a pixel) fit, so the bytes go to the decoder, which
    // finds no image data behind the header.
    const jpeg = lazyObject(jpegBombHead(9000, 9000), MiB, Buffer.alloc(64 * 1024));
    const asJpeg = await processPhoto(jpeg.stream, { sha256Base64: jpeg.sha256Base64(), contentType: 'image/jpeg', maxBytes: MAX }, decoder);
    expect(asJpeg).toMatchObject({ status: 'rejected', reason: 'undecodable' });
    await decoder.close();
  });

  it('processes a 512 MiB DNG (preview in IFD0, raw data after) in bounded memory', async () => {
    const object = lazyObject(dngHead(600, 400), 512 * MiB);
    const sha = object.sha256Base64();
    const growth = rssGrowth();
    const result = await processPhoto(object.stream, { sha256Base64: sha, contentType: 'image/x-adobe-dng', maxBytes: 5 * GiB, size: 512 * MiB }, decoders);
    const grew = growth.stop();
    expect(result).toMatchObject({ status: 'ready', contentType: 'image/x-adobe-dng', width: 600, height: 400, size: 512 * MiB });
    expect(object.produced()).toBe(512 * MiB);
    expect(grew).toBeLessThan(128 * MiB);
  });

  it('kills the decoder when the job is aborted: the process is gone by the time processPhoto settles', async () => {
    const decoder = new DecoderPool({ decoders: 1, decodeBudgetBytes: 512 * MiB, maxPixels: 100_000_000 });
    const bytes = fixture('exif.jpg');
    const job = new AbortController();
    const run = processPhoto(Readable.from([bytes]), { sha256Base64: sha256Base64(bytes), contentType: 'image/jpeg', maxBytes: MAX, signal: job.signal }, decoder);
    while (decoder.pids.length === 0) await new Promise((resolve) => setTimeout(resolve, 2));
    const [pid] = decoder.pids as [number];
    // Frozen like a decode that never ends (libvips cannot be interrupted): only killing it stops it.
    process.kill(pid, 'SIGSTOP');
    const timeout = new Error('job timed out');
    job.abort(timeout);
    await expect(run).rejects.toBe(timeout);
    expect(isAlive(pid)).toBe(false);
    expect(decoder.pids).toEqual([]);

    // The next job gets a new decoder.
    const next = await processPhoto(Readable.from([bytes]), { sha256Base64: sha256Base64(bytes), contentType: 'image/jpeg', maxBytes: MAX }, decoder);
    expect(next).toMatchObject({ status: 'ready' });
    await decoder.close();
  });

  it('leaves no temporary file after a stream error in the middle of the object', async () => {
    const bytes = fixture('exif.jpg');
    const stream = new PassThrough();
    stream.write(bytes.subarray(0, 2000));
    setTimeout(() => stream.destroy(new Error('ECONNRESET')), 50);
    await expect(processPhoto(stream, { sha256Base64: sha256Base64(bytes), contentType: 'image/jpeg', maxBytes: MAX }, decoders)).rejects.toThrow('ECONNRESET');
  });
});
