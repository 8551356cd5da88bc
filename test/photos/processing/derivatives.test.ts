import sharp from 'sharp';
import { thumbHashToApproximateAspectRatio, thumbHashToRGBA } from 'thumbhash';
import { makeDerivatives, UndecodableError } from '../../../src/photos/processing/derivatives.js';
import { type AllowedType } from '../../../src/photos/processing/sniff.js';
import { fixture, pixels, type Probe, ROTATED_PATTERN, UPRIGHT_PATTERN } from './helpers.js';

const PNG_PROBES: Probe[] = [
  [0.25, 0.5, 'red'],
  [0.75, 0.25, 'blue'],
];
const GIF_PROBES: Probe[] = [
  [0.25, 0.5, 'red'],
  [0.75, 0.5, 'blue'],
];

// [fixture, type, displayed width x height, probes of the displayed picture]
const CASES: [string, AllowedType, number, number, Probe[]][] = [
  ['rotated-6.jpg', 'image/jpeg', 240, 480, ROTATED_PATTERN], // EXIF Orientation 6 applied
  ['photo.webp', 'image/webp', 480, 240, UPRIGHT_PATTERN],
  ['photo.png', 'image/png', 300, 200, PNG_PROBES],
  ['photo.gif', 'image/gif', 200, 100, GIF_PROBES],
  ['photo.heic', 'image/heic', 480, 240, UPRIGHT_PATTERN],
  ['rotated.heic', 'image/heic', 240, 480, ROTATED_PATTERN], // irot applied by libheif, EXIF 6 not applied again
  ['exif-only-6.heic', 'image/heic', 480, 240, UPRIGHT_PATTERN], // HEIF ignores EXIF Orientation without irot
  ['photo.dng', 'image/x-adobe-dng', 480, 240, UPRIGHT_PATTERN], // the RGB preview in IFD0
];

describe('makeDerivatives', () => {
  it.each(CASES)('%s (%s): %ix%i, WebP thumbnail and progressive JPEG preview the right way up', async (name, type, width, height, probes) => {
    const result = await makeDerivatives(fixture(name), type);
    expect([result.width, result.height]).toEqual([width, height]);

    const thumbnail = await sharp(result.thumbnail).metadata();
    expect(thumbnail.format).toBe('webp');
    expect(Math.max(thumbnail.width, thumbnail.height)).toBe(Math.min(250, Math.max(width, height)));
    const preview = await sharp(result.preview).metadata();
    expect(preview.format).toBe('jpeg');
    expect(preview.isProgressive).toBe(true);
    // All fixtures are smaller than 1440 px: the preview keeps their size (never upscaled).
    expect([preview.width, preview.height]).toEqual([width, height]);

    for (const image of [result.thumbnail, result.preview]) {
      const decoded = await pixels(image);
      expect(Math.sign(decoded.width - decoded.height)).toBe(Math.sign(width - height));
      for (const [fx, fy, colour] of probes) expect([fx, fy, decoded.colour(fx, fy)]).toEqual([fx, fy, colour]);
    }

    const hash = Buffer.from(result.thumbhash, 'base64');
    const placeholder = thumbHashToRGBA(hash);
    expect(placeholder.w / placeholder.h).toBeCloseTo(width / height, 0);
    expect(thumbHashToApproximateAspectRatio(hash)).toBeCloseTo(width / height, 0);
  });

  it('keeps transparency in the WebP thumbnail and flattens it on white in the JPEG preview', async () => {
    const result = await makeDerivatives(fixture('photo.png'), 'image/png');
    expect((await pixels(result.thumbnail)).at(0.8, 0.8)[3]).toBe(0);
    expect((await pixels(result.preview)).colour(0.8, 0.8)).toBe('white');
  });

  it('does not upscale an image smaller than the thumbnail', async () => {
    const result = await makeDerivatives(fixture('photo.gif'), 'image/gif');
    expect(await sharp(result.thumbnail).metadata()).toMatchObject({ width: 200, height: 100 });
  });

  it.each([
    ['image/jpeg' as const, () => big().jpeg().toBuffer()],
    ['image/png' as const, () => big().png({ compressionLevel: 1 }).toBuffer()],
  ])('bounds a large %s: preview 1440 px and thumbnail 250 px on the long side', async (type, encode) => {
    const result = await makeDerivatives(await encode(), type);
    expect([result.width, result.height]).toEqual([2000, 1200]);
    expect(await sharp(result.preview).metadata()).toMatchObject({ width: 1440, height: 864 });
    expect(await sharp(result.thumbnail).metadata()).toMatchObject({ width: 250, height: 150 });
    expect(thumbHashToApproximateAspectRatio(Buffer.from(result.thumbhash, 'base64'))).toBeCloseTo(2000 / 1200, 0);
  });

  it('rejects a truncated JPEG as undecodable: libvips reports "premature end" as an error, and failOn is "error"', async () => {
    const bytes = fixture('exif.jpg');
    const truncated = bytes.subarray(0, Math.floor(bytes.length * 0.6));
    await expect(makeDerivatives(truncated, 'image/jpeg')).rejects.toThrow(UndecodableError);
    await expect(makeDerivatives(truncated, 'image/jpeg')).rejects.toThrow(/premature end/i);
  });

  it('rejects a truncated or garbage HEIC, a garbage PNG and a TIFF with no image as undecodable', async () => {
    const heic = fixture('photo.heic');
    await expect(makeDerivatives(heic.subarray(0, 900), 'image/heic')).rejects.toThrow(UndecodableError);
    const garbage = Buffer.concat([heic.subarray(0, 32), Buffer.alloc(2000, 0x5a)]);
    await expect(makeDerivatives(garbage, 'image/heic')).rejects.toThrow(UndecodableError);
    const png = fixture('photo.png');
    await expect(makeDerivatives(Buffer.concat([png.subarray(0, 40), Buffer.alloc(100)]), 'image/png')).rejects.toThrow(UndecodableError);
    await expect(makeDerivatives(fixture('photo.dng').subarray(0, 16), 'image/x-adobe-dng')).rejects.toThrow(UndecodableError);
  });

  it('rejects a DNG whose IFD0 is single-channel sensor data (as CFA raws are) rather than an RGB preview', async () => {
    const cfaLike = await sharp(Buffer.alloc(64 * 32, 0x40), { raw: { width: 64, height: 32, channels: 1 } })
      .toColourspace('b-w')
      .tiff()
      .toBuffer();
    await expect(makeDerivatives(cfaLike, 'image/x-adobe-dng')).rejects.toThrow(/DNG without an 8-bit RGB preview/);
  });
});

/** A 2000x1200 gradient, larger than the preview. */
function big(): sharp.Sharp {
  const data = Buffer.alloc(2000 * 1200 * 3);
  for (let y = 0; y < 1200; y++) for (let x = 0; x < 2000; x++) data.set([x >> 3, y >> 3, 90], (y * 2000 + x) * 3);
  return sharp(data, { raw: { width: 2000, height: 1200, channels: 3 } });
}
