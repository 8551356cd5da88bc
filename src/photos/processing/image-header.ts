import { type AllowedType, sniffImageType } from './sniff.js';

/** A byte range of the file: [start, start + length). */
export interface ByteRange {
  start: number;
  length: number;
}

export type ImageHeader =
  | {
      status: 'image';
      type: AllowedType;
      /** Stored size (before orientation): what a decoder allocates. */
      width: number;
      height: number;
      /**
       * DNG only: the ranges libtiff reads to decode IFD0 (the IFD, its out-of-line values, its strips or tiles).
       * Everything else in a DNG (the raw sensor data, gigabytes) is never needed.
       */
      ranges?: ByteRange[];
    }
  /** The head ends before the dimensions: read more (up to a bound) and ask again. */
  | { status: 'need-more' }
  /** None of the allowed types. */
  | { status: 'not-an-image' }
  /** An allowed type's signature with a header no decoder would accept. */
  | { status: 'malformed'; detail: string };

const NEED_MORE = { status: 'need-more' } as const;
const malformed = (detail: string) => ({ status: 'malformed', detail }) as const;

/**
 * Type and pixel dimensions of an image from its first bytes, without decoding anything. Pure: give it the head
 * read so far; `need-more` means the answer lies further on. Dimensions are those a decoder allocates for
 * (JPEG SOF, PNG IHDR, GIF logical screen, WebP VP8/VP8L/VP8X, HEIF/AVIF the largest `ispe`, DNG IFD0).
 */
export function readImageHeader(head: Buffer): ImageHeader {
  const type = sniffImageType(head);
  if (!type) {
    // Too short to tell yet (sniffImageType needs up to 12 bytes, and IFD0 for a TIFF).
    if (head.length < 12 || (isTiff(head) && tiffIfdBeyond(head))) return NEED_MORE;
    return { status: 'not-an-image' };
  }
  const dims = dimensions(head, type);
  if (dims.status !== 'image') return dims;
  if (!(dims.width > 0 && dims.height > 0)) return malformed(`${type} header declares ${dims.width}x${dims.height} pixels`);
  return { ...dims, type };
}

type Dimensions =
  | { status: 'image'; width: number; height: number; ranges?: ByteRange[] }
  | typeof NEED_MORE
  | ReturnType<typeof malformed>;

function dimensions(head: Buffer, type: AllowedType): Dimensions {
  switch (type) {
    case 'image/jpeg':
      return jpeg(head);
    case 'image/png':
      return png(head);
    case 'image/gif':
      return head.length < 10 ? NEED_MORE : image(head.readUInt16LE(6), head.readUInt16LE(8));
    case 'image/webp':
      return webp(head);
    case 'image/heic':
    case 'image/heif':
    case 'image/avif':
      return isoBmff(head);
    case 'image/x-adobe-dng':
      return dng(head);
  }
}

const image = (width: number, height: number, ranges?: ByteRange[]): Dimensions => ({ status: 'image', width, height, ...(ranges && { ranges }) });

/** JPEG: walk the marker segments to the first SOFn (baseline, progressive, lossless, arithmetic...). */
function jpeg(head: Buffer): Dimensions {
  let at = 2;
  for (;;) {
    if (at + 4 > head.length) return NEED_MORE;
    if (head[at] !== 0xff) return malformed(`JPEG marker expected at byte ${at}`);
    const marker = head[at + 1]!;
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2; // no length
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return malformed('JPEG without a frame header before its scan');
    const length = head.readUInt16BE(at + 2);
    if (length < 2) return malformed(`JPEG segment of length ${length}`);
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) {
      if (at + 9 > head.length) return NEED_MORE;
      // SOFn: length(2) precision(1) height(2) width(2). Height 0 (defined later by a DNL marker) is refused.
      return image(head.readUInt16BE(at + 7), head.readUInt16BE(at + 5));
    }
    at += 2 + length;
  }
}

/** PNG: IHDR is the first chunk. */
function png(head: Buffer): Dimensions {
  if (head.length < 24) return NEED_MORE;
  if (head.toString('latin1', 12, 16) !== 'IHDR') return malformed('PNG without IHDR first');
  return image(head.readUInt32BE(16), head.readUInt32BE(20));
}

/** WebP: the first chunk after the RIFF header is VP8 (lossy), VP8L (lossless) or VP8X (extended, canvas size). */
function webp(head: Buffer): Dimensions {
  if (head.length < 30) return NEED_MORE;
  const chunk = head.toString('latin1', 12, 16);
  if (chunk === 'VP8X') return image(1 + head.readUIntLE(24, 3), 1 + head.readUIntLE(27, 3));
  if (chunk === 'VP8L') {
    if (head[20] !== 0x2f) return malformed('VP8L without its signature byte');
    const bits = head.readUInt32LE(21);
    return image(1 + (bits & 0x3fff), 1 + ((bits >>> 14) & 0x3fff));
  }
  if (chunk === 'VP8 ') {
    if (head[23] !== 0x9d || head[24] !== 0x01 || head[25] !== 0x2a) return malformed('VP8 without its start code');
    return image(head.readUInt16LE(26) & 0x3fff, head.readUInt16LE(28) & 0x3fff);
  }
  return malformed(`WebP starting with a ${JSON.stringify(chunk)} chunk`);
}

interface Box {
  type: string;
  /** Start of the payload and end of the box. */
  body: number;
  end: number;
}

/** ISO BMFF boxes in [start, end) of head; `incomplete` when a box header or size runs past the head. */
function boxes(head: Buffer, start: number, end: number): { boxes: Box[]; incomplete: boolean } {
  const found: Box[] = [];
  let at = start;
  while (at < end) {
    if (at + 8 > head.length) return { boxes: found, incomplete: true };
    let size = head.readUInt32BE(at);
    let body = at + 8;
    if (size === 1) {
      if (at + 16 > head.length) return { boxes: found, incomplete: true };
      size = Number(head.readBigUInt64BE(at + 8));
      body = at + 16;
    } else if (size === 0) {
      size = Number.MAX_SAFE_INTEGER - at; // to the end of the file
    }
    if (size < body - at) return { boxes: found, incomplete: false };
    found.push({ type: head.toString('latin1', at + 4, at + 8), body, end: at + size });
    at += size;
  }
  return { boxes: found, incomplete: false };
}

/**
 * HEIF/AVIF: the largest `ispe` (image spatial extents) in meta/iprp/ipco. A grid's ispe is the whole picture,
 * which is also the largest; taking the maximum over every item bounds what any of them can allocate.
 */
function isoBmff(head: Buffer): Dimensions {
  const top = boxes(head, 0, Number.MAX_SAFE_INTEGER);
  const metaAt = top.boxes.findIndex((box) => box.type === 'meta');
  // Readers need meta before the media data; one behind gigabytes of mdat would mean reading them all first.
  if (top.boxes.slice(0, metaAt < 0 ? undefined : metaAt).some((box) => box.type === 'mdat')) {
    return malformed('HEIF with its media data before its meta box');
  }
  const meta = top.boxes[metaAt];
  if (!meta) return top.incomplete ? NEED_MORE : malformed('HEIF without a meta box');
  if (meta.end > head.length) return NEED_MORE;
  const iprp = boxes(head, meta.body + 4, meta.end).boxes.find((box) => box.type === 'iprp'); // meta is a full box
  const ipco = iprp && boxes(head, iprp.body, iprp.end).boxes.find((box) => box.type === 'ipco');
  if (!ipco) return malformed('HEIF without item properties');
  let best: { width: number; height: number } | undefined;
  for (const box of boxes(head, ipco.body, ipco.end).boxes) {
    if (box.type !== 'ispe' || box.body + 12 > box.end) continue;
    const width = head.readUInt32BE(box.body + 4); // after version and flags
    const height = head.readUInt32BE(box.body + 8);
    if (!best || width * height > best.width * best.height) best = { width, height };
  }
  return best ? image(best.width, best.height) : malformed('HEIF without an ispe property');
}

function isTiff(head: Buffer): boolean {
  const magic = head.toString('latin1', 0, 4);
  return magic === 'II*\0' || magic === 'MM\0*';
}

/** IFD0 of a TIFF not (wholly) in the head yet: whether it is a DNG cannot be told. */
function tiffIfdBeyond(head: Buffer): boolean {
  if (head.length < 8) return true;
  const tiff = reader(head);
  const ifd = tiff.u32(4);
  if (ifd < 8) return false;
  if (ifd + 2 > head.length) return true;
  return ifd + 2 + tiff.u16(ifd) * 12 + 4 > head.length;
}

function reader(head: Buffer) {
  const le = head[0] === 0x49;
  return {
    u16: (at: number) => (le ? head.readUInt16LE(at) : head.readUInt16BE(at)),
    u32: (at: number) => (le ? head.readUInt32LE(at) : head.readUInt32BE(at)),
  };
}

/** Bytes of one value of each TIFF field type (1 BYTE .. 13 IFD, 16-18 BigTIFF types are not TIFF). */
const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4 };
const TAG = { width: 0x100, height: 0x101, stripOffsets: 0x111, stripByteCounts: 0x117, tileOffsets: 0x144, tileByteCounts: 0x145 };
/** More strips or tiles than this in a preview is not a preview. */
const MAX_PIECES = 65_536;

/**
 * DNG: IFD0's ImageWidth/ImageLength (the image sharp decodes: the RGB preview in most DNGs) and every byte range
 * needed to decode it. Offset and byte-count arrays must lie in the head.
 */
function dng(head: Buffer): Dimensions {
  const tiff = reader(head);
  const ifd = tiff.u32(4);
  const count = tiff.u16(ifd);
  const ranges: ByteRange[] = [{ start: 0, length: 8 }, { start: ifd, length: 2 + count * 12 + 4 }];
  const values = new Map<number, number[] | undefined>();
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    const tag = tiff.u16(entry);
    const type = tiff.u16(entry + 2);
    const n = tiff.u32(entry + 4);
    const size = (TYPE_SIZE[type] ?? 1) * n;
    const at = size > 4 ? tiff.u32(entry + 8) : entry + 8;
    if (size > 4) ranges.push({ start: at, length: size });
    if (type !== 3 && type !== 4) continue; // only SHORT/LONG tags are read here
    if (Object.values(TAG).includes(tag)) {
      if (n > MAX_PIECES) return malformed(`DNG IFD0 with ${n} values in tag ${tag}`);
      if (at + size > head.length) return NEED_MORE;
      values.set(tag, Array.from({ length: n }, (_, k) => (type === 3 ? tiff.u16(at + 2 * k) : tiff.u32(at + 4 * k))));
    }
  }
  const width = values.get(TAG.width)?.[0] ?? 0;
  const height = values.get(TAG.height)?.[0] ?? 0;
  const offsets = values.get(TAG.stripOffsets) ?? values.get(TAG.tileOffsets);
  const byteCounts = values.get(TAG.stripOffsets) ? values.get(TAG.stripByteCounts) : values.get(TAG.tileByteCounts);
  if (!offsets || !byteCounts || offsets.length !== byteCounts.length) return malformed('DNG IFD0 without consistent strip or tile locations');
  offsets.forEach((start, k) => ranges.push({ start, length: byteCounts[k]! }));
  return image(width, height, ranges);
}
