/** The photo types AuroraVault accepts, as sniffed from the bytes. */
export const ALLOWED_TYPES = [
  'image/jpeg',
  'image/png',
  'image/heic',
  'image/heif',
  'image/webp',
  'image/avif',
  'image/gif',
  'image/x-adobe-dng',
] as const;
export type AllowedType = (typeof ALLOWED_TYPES)[number];

/** Bytes sniffImageType needs to see: enough for every signature and for IFD0 of a DNG written as usual. */
export const SNIFF_BYTES = 64 * 1024;

const HEIC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs']);
const HEIF_BRANDS = new Set(['mif1', 'msf1', 'mif2', 'miaf']);
const AVIF_BRANDS = new Set(['avif', 'avis']);
const DNG_VERSION_TAG = 0xc612;

/**
 * The image type of a file from its first bytes, or undefined when it is none of the allowed types.
 *
 * - JPEG: FF D8 FF. PNG: its 8-byte signature. GIF: GIF87a / GIF89a. WebP: RIFF....WEBP.
 * - ISO BMFF (`ftyp` box): the major brand and the compatible brands decide. Any AVIF brand -> image/avif
 *   (AVIF files often carry major brand mif1), any HEVC brand -> image/heic, only the generic
 *   mif1/msf1 -> image/heif. Other ftyp files (MP4, MOV, JPEG 2000...) -> undefined.
 * - TIFF header (II*\0 or MM\0*) -> image/x-adobe-dng only when IFD0 carries the DNGVersion tag (0xC612),
 *   which every DNG has in IFD0. Plain TIFF (and TIFF-based raws such as CR2/NEF/ARW, which lack DNGVersion)
 *   -> undefined. IFD0 must lie within `head` (writers put it near the start; SNIFF_BYTES is plenty).
 */
export function sniffImageType(head: Buffer): AllowedType | undefined {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image/jpeg';
  if (head.length >= 8 && head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
    return 'image/png';
  }
  const ascii = (start: number, end: number) => head.toString('latin1', start, end);
  if (head.length >= 6 && (ascii(0, 6) === 'GIF87a' || ascii(0, 6) === 'GIF89a')) return 'image/gif';
  if (head.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'image/webp';
  if (head.length >= 12 && ascii(4, 8) === 'ftyp') return sniffFtyp(head);
  if (head.length >= 8 && (ascii(0, 4) === 'II*\0' || ascii(0, 4) === 'MM\0*')) {
    return isDng(head) ? 'image/x-adobe-dng' : undefined;
  }
  return undefined;
}

function sniffFtyp(head: Buffer): AllowedType | undefined {
  const size = head.readUInt32BE(0);
  const end = Math.min(size >= 16 ? size : 16, head.length);
  const brands = [head.toString('latin1', 8, 12)];
  for (let at = 16; at + 4 <= end; at += 4) brands.push(head.toString('latin1', at, at + 4)); // after minor_version
  if (brands.some((brand) => AVIF_BRANDS.has(brand))) return 'image/avif';
  if (brands.some((brand) => HEIC_BRANDS.has(brand))) return 'image/heic';
  if (HEIF_BRANDS.has(brands[0]!)) return 'image/heif';
  return undefined;
}

function isDng(head: Buffer): boolean {
  const le = head[0] === 0x49;
  const u16 = (at: number) => (le ? head.readUInt16LE(at) : head.readUInt16BE(at));
  const u32 = (at: number) => (le ? head.readUInt32LE(at) : head.readUInt32BE(at));
  const ifd = u32(4);
  if (ifd < 8 || ifd + 2 > head.length) return false;
  const count = u16(ifd);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > head.length) return false;
    if (u16(entry) === DNG_VERSION_TAG) return true;
  }
  return false;
}

/** Type families: a declared type may differ from the sniffed one only within a family (HEIC vs HEIF). */
const FAMILY: Record<string, string> = {
  'image/jpeg': 'jpeg',
  'image/jpg': 'jpeg',
  'image/pjpeg': 'jpeg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/heic': 'heif',
  'image/heif': 'heif',
  'image/heic-sequence': 'heif',
  'image/heif-sequence': 'heif',
  'image/avif': 'avif',
  'image/x-adobe-dng': 'dng',
  'image/dng': 'dng',
};

/** The family of a Content-Type header value ("image/JPEG; charset=x" -> "jpeg"), or undefined if unknown. */
export function typeFamily(contentType: string): string | undefined {
  const essence = contentType.split(';')[0]!.trim().toLowerCase();
  return FAMILY[essence];
}
