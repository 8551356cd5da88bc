import { PassThrough, Readable } from 'node:stream';
import sharp from 'sharp';
import { processPhoto } from '../../../src/photos/processing/process-photo.js';
import { fixture, pixels, ROTATED_PATTERN, sha256Base64 } from './helpers.js';

const MAX = 10 * 1024 * 1024;

function upload(name: string, contentType: string, overrides: { sha256Base64?: string; maxBytes?: number; size?: number } = {}) {
  const bytes = fixture(name);
  return processPhoto(Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)]), {
    sha256Base64: sha256Base64(bytes),
    contentType,
    maxBytes: MAX,
    ...overrides,
  });
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
      const result = await processPhoto(Readable.from([bytes]), { sha256Base64: sha256Base64(bytes), contentType: type, maxBytes: MAX });
      expect(result).toMatchObject({ status: 'rejected', reason: 'undecodable' });
    }
  });

  it('lets an I/O error of the stream propagate (retryable)', async () => {
    const stream = new PassThrough();
    stream.write(fixture('exif.jpg').subarray(0, 100));
    setImmediate(() => stream.destroy(new Error('ECONNRESET')));
    await expect(processPhoto(stream, { sha256Base64: 'x', contentType: 'image/jpeg', maxBytes: MAX })).rejects.toThrow('ECONNRESET');
  });
});
