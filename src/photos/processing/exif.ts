import { parse } from 'exifr';
import sharp from 'sharp';

/** When the photo was taken, as the camera recorded it. */
export interface TakenAt {
  /**
   * ISO 8601. With the recorded offset when there is one ('2024-07-14T18:32:05.120+02:00'), else the
   * camera's wall-clock time with no zone at all ('2023-12-31T23:59:58'): see isLocalTime.
   */
  value: string;
  /** The recorded offset from UTC ('+02:00'), or null. */
  offset: string | null;
  /** True when no offset was recorded: `value` is local time in an unknown zone, not UTC. */
  isLocalTime: boolean;
}

export interface GpsPosition {
  /** Decimal degrees, north positive. */
  lat: number;
  /** Decimal degrees, east positive. */
  lon: number;
  /** Metres above sea level (negative below). */
  alt?: number;
}

export interface PhotoExif {
  takenAt: TakenAt | null;
  offset: string | null;
  gps: GpsPosition | null;
  make: string | null;
  model: string | null;
  lens: string | null;
  /** EXIF Orientation 1-8 as recorded (HEIF/AVIF: informative only, irot/imir rule there). */
  orientation: number | null;
  /** PixelXDimension / PixelYDimension when recorded (stored orientation). */
  width?: number;
  height?: number;
}

export const EMPTY_EXIF: PhotoExif = {
  takenAt: null,
  offset: null,
  gps: null,
  make: null,
  model: null,
  lens: null,
  orientation: null,
};

const OPTIONS = {
  tiff: true,
  ifd0: {},
  // Dates stay the strings the camera wrote: exifr's reviver would read them in this process's time zone.
  exif: { reviveValues: false },
  gps: true,
  ifd1: false,
  interop: false,
  makerNote: false,
  userComment: false,
  xmp: false,
  icc: false,
  iptc: false,
  jfif: false,
  ihdr: false,
  translateValues: false,
};

type Tags = Record<string, unknown>;

/**
 * EXIF of a photo (its bytes, or the path of a file exifr reads in chunks) with exifr. Never throws: missing,
 * truncated or garbage EXIF gives nulls. `isoBmff` says the photo is HEIF/AVIF (told from the bytes when given them).
 * HEIF/AVIF written by libheif's heif-enc keep the Exif item's position in iloc's base_offset, which exifr
 * 7.1.3 ignores; when exifr finds nothing in an ISO BMFF file, the EXIF block that sharp's header reader
 * extracts (no pixel decoding) is parsed instead.
 */
export async function readExif(source: Buffer | string, isoBmff = typeof source !== 'string' && source.toString('latin1', 4, 8) === 'ftyp'): Promise<PhotoExif> {
  let tags = await parseQuietly(source);
  if (!tags && isoBmff) {
    const block = await sharp(source)
      .metadata()
      .then((meta) => meta.exif)
      .catch(() => undefined);
    if (block) tags = await parseQuietly(block.subarray(block.toString('latin1', 0, 4) === 'Exif' ? 6 : 0));
  }
  return tags ? toPhotoExif(tags) : { ...EMPTY_EXIF };
}

async function parseQuietly(input: Buffer | string): Promise<Tags | undefined> {
  try {
    const tags = (await parse(input, OPTIONS)) as Tags | undefined;
    if (!tags || typeof tags !== 'object') return undefined;
    const names = Object.keys(tags).filter((key) => key !== 'errors');
    return names.length > 0 ? tags : undefined;
  } catch {
    return undefined;
  }
}

export function toPhotoExif(tags: Tags): PhotoExif {
  const offset = parseOffset(tags.OffsetTimeOriginal) ?? null;
  const takenAt =
    parseTakenAt(tags.DateTimeOriginal, tags.SubSecTimeOriginal, offset) ??
    parseTakenAt(tags.CreateDate, tags.SubSecTimeDigitized, parseOffset(tags.OffsetTimeDigitized) ?? null);
  const orientation = integer(tags.Orientation);
  const exif: PhotoExif = {
    takenAt,
    offset: takenAt?.offset ?? offset,
    gps: parseGps(tags),
    make: text(tags.Make),
    model: text(tags.Model),
    lens: text(tags.LensModel) ?? text(tags.Lens),
    orientation: orientation !== null && orientation >= 1 && orientation <= 8 ? orientation : null,
  };
  const width = integer(tags.ExifImageWidth);
  const height = integer(tags.ExifImageHeight);
  if (width !== null && width > 0) exif.width = width;
  if (height !== null && height > 0) exif.height = height;
  return exif;
}

const DATE = /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/;

function parseTakenAt(date: unknown, subSec: unknown, offset: string | null): TakenAt | null {
  if (typeof date !== 'string') return null;
  const match = DATE.exec(date.trim());
  if (!match) return null;
  const [y, mo, d, h, mi, s] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  const valid = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  if (y < 1800 || valid.getUTCMonth() !== mo - 1 || valid.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
    return null; // '0000:00:00 00:00:00' and other placeholders
  }
  const digits = typeof subSec === 'string' || typeof subSec === 'number' ? String(subSec).trim() : '';
  const fraction = /^\d+$/.test(digits) ? `.${digits.padEnd(3, '0').slice(0, 3)}` : '';
  const local = `${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6]}${fraction}`;
  return offset ? { value: `${local}${offset}`, offset, isLocalTime: false } : { value: local, offset: null, isLocalTime: true };
}

function parseOffset(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^([+-])(\d{2}):(\d{2})$/.exec(value.trim());
  if (!match || Number(match[2]) > 14 || Number(match[3]) > 59) return undefined;
  return match[2] === '00' && match[3] === '00' ? '+00:00' : match[0];
}

function parseGps(tags: Tags): GpsPosition | null {
  const lat = tags.latitude;
  const lon = tags.longitude;
  if (typeof lat !== 'number' || typeof lon !== 'number' || !Number.isFinite(lat) || !Number.isFinite(lon)) return null;
  if (Math.abs(lat) > 90 || Math.abs(lon) > 180 || (lat === 0 && lon === 0)) return null; // 0,0: an unset fix
  const gps: GpsPosition = { lat: round(lat, 7), lon: round(lon, 7) };
  const alt = tags.GPSAltitude;
  if (typeof alt === 'number' && Number.isFinite(alt)) {
    const ref = tags.GPSAltitudeRef;
    const below = ref === 1 || (ref instanceof Uint8Array && ref[0] === 1) || (Array.isArray(ref) && ref[0] === 1);
    gps.alt = round(below ? -alt : alt, 2);
  }
  return gps;
}

function text(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  // eslint-disable-next-line no-control-regex
  const cleaned = value.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return cleaned ? cleaned.slice(0, 200) : null;
}

function integer(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) ? value : null;
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
