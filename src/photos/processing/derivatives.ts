import { readFile } from 'node:fs/promises';
import decodeHeic from 'heic-decode';
import sharp, { type SharpOptions } from 'sharp';
import { rgbaToThumbHash } from 'thumbhash';
import { UndecodableError } from './errors.js';
import { type AllowedType } from './sniff.js';

/** Immich's sizes: a 250 px WebP q80 thumbnail, a 1440 px JPEG q80 preview, a ThumbHash placeholder. */
export const THUMBNAIL = { size: 250, quality: 80 } as const;
export const PREVIEW = { size: 1440, quality: 80 } as const;
/** ThumbHash's encoder takes at most 100x100 pixels. */
export const THUMBHASH_SOURCE = 100;
/** Default cap on the pixels of a source (sharp's own default limit, about 16384x16384); callers pass tighter ones. */
export const MAX_PIXELS = 268_402_689;

export interface Derivatives {
  /** Size of the photo as displayed (after orientation). */
  width: number;
  height: number;
  /** WebP, at most THUMBNAIL.size px on the long side (never upscaled). */
  thumbnail: Buffer;
  /** Progressive JPEG, at most PREVIEW.size px on the long side (never upscaled), flattened on white. */
  preview: Buffer;
  /** Base64 of the ThumbHash bytes. */
  thumbhash: string;
}

export { UndecodableError };

/** Warnings (odd markers, extra bytes) are tolerated, errors (truncated or corrupt data) are not. */
const inputOptions = (maxPixels: number): SharpOptions => ({ failOn: 'error', limitInputPixels: maxPixels });
const INSIDE = { fit: 'inside', withoutEnlargement: true } as const;
const WHITE = { r: 255, g: 255, b: 255 };

interface RawImage {
  data: Buffer;
  info: { width: number; height: number; channels: 1 | 2 | 3 | 4 };
}

/**
 * Thumbnail, preview and ThumbHash of a photo, decoding as little as each format allows, auto-rotated.
 *
 * - JPEG: libvips' shrink-on-load decodes at 1/2..1/8 scale when it knows the target size, so each output gets
 *   its own pipeline from the encoded bytes: one for the preview (about 1/2 scale for 12 MP), one at thumbnail
 *   size (1/8) whose pixels give both the WebP and the ThumbHash source.
 * - HEIC/HEIF: heic-decode (libheif in wasm; sharp's prebuilt libvips has no HEVC decoder) decodes once to RGBA,
 *   already in display orientation (libheif applies irot/imir; EXIF Orientation is not applied on top).
 * - PNG, WebP, AVIF, GIF (first frame), DNG (the RGB image in IFD0, i.e. its embedded preview): sharp decodes
 *   once, applying EXIF orientation, straight to a 1440 px raw intermediate.
 * Then (all but JPEG) the preview is encoded from the intermediate, and the thumbnail and ThumbHash from a
 * 250 px resize of it. Throws UndecodableError for any failure to decode or encode these bytes.
 */
export async function makeDerivatives(source: Buffer | string, type: AllowedType, maxPixels = MAX_PIXELS): Promise<Derivatives> {
  try {
    if (type === 'image/jpeg') return await fromJpeg(source, maxPixels);
    const { width, height, intermediate } =
      type === 'image/heic' || type === 'image/heif'
        ? await decodeHeif(typeof source === 'string' ? await readFile(source) : source, maxPixels)
        : await decodeWithSharp(source, type, maxPixels);
    const [preview, small] = await Promise.all([
      encodePreview(rawInput(intermediate)),
      rawInput(intermediate).resize(THUMBNAIL.size, THUMBNAIL.size, INSIDE).raw().toBuffer({ resolveWithObject: true }),
    ]);
    return { width, height, preview, ...(await fromThumbnailPixels(asRaw(small))) };
  } catch (error) {
    if (error instanceof UndecodableError) throw error;
    throw new UndecodableError(error instanceof Error ? error.message : String(error), { cause: error });
  }
}

async function fromJpeg(bytes: Buffer | string, maxPixels: number): Promise<Derivatives> {
  const meta = await sharp(bytes, inputOptions(maxPixels)).metadata();
  const source = () => sharp(bytes, inputOptions(maxPixels)).autoOrient();
  const [preview, small] = await Promise.all([
    encodePreview(source().resize(PREVIEW.size, PREVIEW.size, INSIDE)),
    source()
      .resize(THUMBNAIL.size, THUMBNAIL.size, INSIDE)
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true }),
  ]);
  const { width, height } = meta.autoOrient;
  return { width, height, preview, ...(await fromThumbnailPixels(asRaw(small))) };
}

async function decodeWithSharp(bytes: Buffer | string, type: AllowedType, maxPixels: number) {
  const meta = await sharp(bytes, inputOptions(maxPixels)).metadata();
  if (type === 'image/x-adobe-dng' && ((meta.channels ?? 0) < 3 || meta.depth !== 'uchar')) {
    // IFD0 holds the raw sensor data (CFA or linear raw, 16 bit) rather than an 8-bit RGB preview.
    throw new UndecodableError('DNG without an 8-bit RGB preview in IFD0: raw sensor data is not developed');
  }
  const decoded = await sharp(bytes, { ...inputOptions(maxPixels), animated: false })
    .autoOrient()
    .resize(PREVIEW.size, PREVIEW.size, INSIDE)
    .toColourspace('srgb')
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  return { width: meta.autoOrient.width, height: meta.autoOrient.height, intermediate: asRaw(decoded) };
}

async function decodeHeif(bytes: Buffer, maxPixels: number) {
  // The header (libvips reads it without decoding HEVC) gives the size for the pixel cap and says whether there
  // is an alpha channel; heic-decode always returns RGBA. libheif's own idea of the size (a grid's, say) is
  // checked again before its pixels are decoded.
  const meta = await sharp(bytes).metadata().catch(() => undefined);
  if (meta && meta.width * meta.height > maxPixels) {
    throw new UndecodableError(`HEIC of ${meta.width}x${meta.height} exceeds ${maxPixels} pixels`);
  }
  const images = await decodeHeic.all({ buffer: bytes });
  let decoded;
  try {
    const primary = images[0];
    if (!primary) throw new UndecodableError('HEIC without an image');
    if (primary.width * primary.height > maxPixels) {
      throw new UndecodableError(`HEIC of ${primary.width}x${primary.height} exceeds ${maxPixels} pixels`);
    }
    decoded = await primary.decode();
  } finally {
    images.dispose();
  }
  const rgba = Buffer.from(decoded.data.buffer, decoded.data.byteOffset, decoded.data.byteLength);
  let pipeline = sharp(rgba, { raw: { width: decoded.width, height: decoded.height, channels: 4 } });
  if (meta && !meta.hasAlpha) pipeline = pipeline.removeAlpha();
  const intermediate = await pipeline.resize(PREVIEW.size, PREVIEW.size, INSIDE).raw().toBuffer({ resolveWithObject: true });
  return { width: decoded.width, height: decoded.height, intermediate: asRaw(intermediate) };
}

/** The WebP thumbnail and the ThumbHash, both from pixels already at thumbnail size. */
async function fromThumbnailPixels(small: RawImage): Promise<Pick<Derivatives, 'thumbnail' | 'thumbhash'>> {
  const [thumbnail, tiny] = await Promise.all([
    rawInput(small).webp({ quality: THUMBNAIL.quality }).toBuffer(),
    rawInput(small)
      .resize(THUMBHASH_SOURCE, THUMBHASH_SOURCE, INSIDE)
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true }),
  ]);
  const hash = rgbaToThumbHash(tiny.info.width, tiny.info.height, tiny.data);
  return { thumbnail, thumbhash: Buffer.from(hash).toString('base64') };
}

function encodePreview(pipeline: sharp.Sharp): Promise<Buffer> {
  return pipeline.flatten({ background: WHITE }).jpeg({ quality: PREVIEW.quality, progressive: true }).toBuffer();
}

function rawInput({ data, info }: RawImage): sharp.Sharp {
  return sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } });
}

function asRaw(output: { data: Buffer; info: sharp.OutputInfo }): RawImage {
  const { width, height, channels } = output.info;
  if (channels < 1 || channels > 4) throw new UndecodableError(`unexpected ${channels} channels`);
  return { data: output.data, info: { width, height, channels: channels as RawImage['info']['channels'] } };
}
