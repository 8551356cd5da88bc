/**
 * Regenerates test/fixtures/images/ (committed; run again only to change them):
 *
 *   npx tsx scripts/make-fixtures.ts
 *
 * Needs sharp (a dependency) and Debian's `heif-enc` (apt-get install libheif-examples) for the HEIC files.
 * Every picture is synthetic and tiny. The "pattern" used by the orientation fixtures is a 480x240 image whose
 * left half is red and right half blue, with a green band over the top 60 rows of the red half, so a test can
 * tell every rotation and mirror apart by reading three pixels:
 *
 *   stored (orientation 1)          displayed after Orientation 6 / irot 270 (90 degrees clockwise), 240x480
 *   +---------+---------+           +-----+---+
 *   | green   |         |           | red |grn|   top half red, green strip on its right
 *   |---------|  blue   |           |     |   |
 *   |  red    |         |           +---------+
 *   +---------+---------+           |  blue   |   bottom half blue
 *                                   +---------+
 *
 * Files:
 *   exif.jpg         320x240 gradient, EXIF: Make/Model/LensModel, DateTimeOriginal 2024:07:14 18:32:05 with
 *                    SubSecTimeOriginal 120 and OffsetTimeOriginal +02:00, GPS 48deg51'30.24"N 2deg17'40.2"E alt 35 m
 *                    (written by sharp's withExif).
 *   rotated-6.jpg    the pattern stored as-is with EXIF Orientation 6 (sharp withMetadata) and a DateTimeOriginal
 *                    without any offset (local time).
 *   photo.png        300x200 RGBA: left half red, right half blue, bottom-right quarter fully transparent.
 *   photo.webp       the pattern, lossy WebP q90.
 *   photo.gif        200x100 (smaller than a thumbnail): left half red, right half blue.
 *   photo.heic       heif-enc -q 80 from a JPEG of the pattern carrying exif.jpg's EXIF. libheif 1.15 stores the
 *                    Exif item offset in iloc's base_offset, which exifr 7.1.3 ignores (it then reads garbage):
 *                    this file exercises exif.ts's fallback through sharp's header reader.
 *   rotated.heic     heif-enc from rotated-6.jpg (EXIF Orientation 6 copied as-is), then an `irot` property
 *                    (angle 3 = 270 degrees anticlockwise = 90 clockwise) added to the primary item, the way an
 *                    iPhone stores a portrait photo: landscape pixels + irot + EXIF Orientation 6.
 *   exif-only-6.heic heif-enc from rotated-6.jpg without any irot: EXIF says 6, HEIF says "no transform". HEIF
 *                    readers (libheif, libvips, browsers) follow irot/imir and ignore EXIF orientation.
 *   photo.dng        a minimal DNG: sharp's 8-bit RGB TIFF of the pattern with a DNGVersion (1.4.0.0) tag added to
 *                    IFD0, i.e. a DNG whose IFD0 is an RGB preview, as in most camera DNGs.
 *   plain.tif        the same TIFF without DNGVersion (TIFF is not an allowed type).
 *   text.jpg         a text file named .jpg.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';

const OUT = path.join(__dirname, '..', 'test', 'fixtures', 'images');

const EXIF = {
  IFD0: { Make: 'Apple', Model: 'iPhone 15 Pro' },
  IFD2: {
    DateTimeOriginal: '2024:07:14 18:32:05',
    SubSecTimeOriginal: '120',
    OffsetTimeOriginal: '+02:00',
    LensModel: 'iPhone 15 Pro back triple camera 6.765mm f/1.78',
  },
  IFD3: {
    GPSLatitudeRef: 'N',
    GPSLatitude: '48/1 51/1 3024/100',
    GPSLongitudeRef: 'E',
    GPSLongitude: '2/1 17/1 4020/100',
    GPSAltitudeRef: '0',
    GPSAltitude: '35/1',
  },
};

type Rgb = [number, number, number];
const RED: Rgb = [220, 30, 30];
const BLUE: Rgb = [30, 30, 220];
const GREEN: Rgb = [30, 200, 30];

function raw(width: number, height: number, channels: 3 | 4, colour: (x: number, y: number) => number[]) {
  const data = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(colour(x, y), (y * width + x) * channels);
  return sharp(data, { raw: { width, height, channels } });
}

const pattern = () => raw(480, 240, 3, (x, y) => (x < 240 ? (y < 60 ? GREEN : RED) : BLUE));

function heifEnc(jpeg: Buffer, dir: string, name: string): Buffer {
  const input = path.join(dir, `${name}.jpg`);
  const output = path.join(dir, `${name}.heic`);
  fs.writeFileSync(input, jpeg);
  execFileSync('heif-enc', ['-q', '80', '-o', output, input], { stdio: 'pipe' });
  return fs.readFileSync(output);
}

/** Adds an `irot` property (angle in units of 90 degrees anticlockwise) to the primary item of a heif-enc file. */
function addIrot(heic: Buffer, angle: 0 | 1 | 2 | 3): Buffer {
  const box = (buf: Buffer, start: number, end: number, type: string) => {
    for (let at = start; at < end; ) {
      const size = buf.readUInt32BE(at);
      if (buf.toString('latin1', at + 4, at + 8) === type) return { at, size };
      if (size < 8) break;
      at += size;
    }
    throw new Error(`no ${type} box`);
  };
  const meta = box(heic, 0, heic.length, 'meta');
  const inMeta = [meta.at + 12, meta.at + meta.size] as const; // meta is a full box
  const iprp = box(heic, ...inMeta, 'iprp');
  const ipco = box(heic, iprp.at + 8, iprp.at + iprp.size, 'ipco');
  const ipma = box(heic, iprp.at + 8, iprp.at + iprp.size, 'ipma');
  const pitm = box(heic, ...inMeta, 'pitm');
  const iloc = box(heic, ...inMeta, 'iloc');
  if (heic[pitm.at + 8] !== 0 || heic[ipma.at + 8] !== 0 || (heic.readUInt32BE(ipma.at + 8) & 1) !== 0) {
    throw new Error('unexpected pitm/ipma version or flags (this script handles heif-enc 1.15 output)');
  }
  const primary = heic.readUInt16BE(pitm.at + 12);
  let properties = 0;
  for (let at = ipco.at + 8; at < ipco.at + ipco.size; at += heic.readUInt32BE(at)) properties++;
  const irotIndex = properties + 1;
  const irot = Buffer.from([0, 0, 0, 9, ...Buffer.from('irot'), angle]);

  // Find the primary item's association list in ipma and append (essential, irotIndex).
  let at = ipma.at + 16;
  let insertAt = -1;
  let countAt = -1;
  for (let n = heic.readUInt32BE(ipma.at + 12); n > 0; n--) {
    const item = heic.readUInt16BE(at);
    const count = heic[at + 2]!;
    if (item === primary) [countAt, insertAt] = [at + 2, at + 3 + count];
    at += 3 + count;
  }
  if (insertAt < 0) throw new Error('primary item has no ipma entry');
  const out = Buffer.concat([
    heic.subarray(0, ipco.at + ipco.size),
    irot,
    heic.subarray(ipco.at + ipco.size, insertAt),
    Buffer.from([0x80 | irotIndex]),
    heic.subarray(insertAt),
  ]);
  const grow = (offset: number, by: number) => out.writeUInt32BE(out.readUInt32BE(offset) + by, offset);
  grow(meta.at, 10);
  grow(iprp.at, 10);
  grow(ipco.at, 9);
  const shift = (offset: number) => (offset > ipco.at ? 9 : 0) + (offset >= insertAt ? 1 : 0);
  grow(ipma.at + shift(ipma.at), 1);
  out[countAt + shift(countAt)]! += 1;

  // Everything after meta moved by 10 bytes: fix iloc's absolute offsets (iloc precedes iprp, so it did not move).
  const version = out[iloc.at + 8]!;
  if (version > 1) throw new Error('iloc version 2 not handled');
  const offsetSize = out[iloc.at + 12]! >> 4;
  const lengthSize = out[iloc.at + 12]! & 15;
  const baseSize = out[iloc.at + 13]! >> 4;
  const indexSize = version === 1 ? out[iloc.at + 13]! & 15 : 0;
  let p = iloc.at + 14;
  const items = out.readUInt16BE(p);
  p += 2;
  const bump = (offset: number, size: number) => {
    if (size === 4) out.writeUInt32BE(out.readUInt32BE(offset) + 10, offset);
    else if (size === 8) out.writeBigUInt64BE(out.readBigUInt64BE(offset) + 10n, offset);
  };
  for (let i = 0; i < items; i++) {
    p += 2 + (version === 1 ? 2 : 0) + 2; // item_ID, construction_method, data_reference_index
    bump(p, baseSize);
    p += baseSize;
    const extents = out.readUInt16BE(p);
    p += 2;
    for (let e = 0; e < extents; e++) {
      p += indexSize;
      if (baseSize === 0) bump(p, offsetSize);
      p += offsetSize + lengthSize;
    }
  }
  return out;
}

/** Rewrites IFD0 of a little- or big-endian TIFF at the end of the file with an added DNGVersion tag. */
function addDngVersion(tiff: Buffer): Buffer {
  const le = tiff.toString('latin1', 0, 2) === 'II';
  const u16 = (o: number) => (le ? tiff.readUInt16LE(o) : tiff.readUInt16BE(o));
  const u32 = (o: number) => (le ? tiff.readUInt32LE(o) : tiff.readUInt32BE(o));
  const ifd = u32(4);
  const count = u16(ifd);
  const entries = Array.from({ length: count }, (_, i) => tiff.subarray(ifd + 2 + i * 12, ifd + 14 + i * 12));
  const dng = Buffer.alloc(12);
  if (le) {
    dng.writeUInt16LE(0xc612, 0); // DNGVersion
    dng.writeUInt16LE(1, 2); // BYTE
    dng.writeUInt32LE(4, 4); // count 4, value inline
  } else {
    dng.writeUInt16BE(0xc612, 0);
    dng.writeUInt16BE(1, 2);
    dng.writeUInt32BE(4, 4);
  }
  dng.set([1, 4, 0, 0], 8);
  const next = tiff.subarray(ifd + 2 + count * 12, ifd + 6 + count * 12);
  const start = tiff.length + (tiff.length % 2); // IFDs start on a word boundary
  const head = Buffer.alloc(2);
  if (le) head.writeUInt16LE(count + 1);
  else head.writeUInt16BE(count + 1);
  const out = Buffer.concat([tiff, Buffer.alloc(start - tiff.length), head, ...entries, dng, next]);
  if (le) out.writeUInt32LE(start, 4);
  else out.writeUInt32BE(start, 4);
  return out;
}

async function main(): Promise<void> {
  fs.mkdirSync(OUT, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fixtures-'));
  const write = (name: string, data: Buffer | string) => {
    fs.writeFileSync(path.join(OUT, name), data);
    console.log(`${name.padEnd(18)} ${String(Buffer.byteLength(data)).padStart(6)} bytes`);
  };
  try {
    const gradient = raw(320, 240, 3, (x, y) => [Math.round((x / 319) * 255), Math.round((y / 239) * 255), 128]);
    write('exif.jpg', await gradient.jpeg({ quality: 85 }).withExif(EXIF).toBuffer());

    const rotated = await pattern()
      .jpeg({ quality: 90 })
      .withExif({ IFD0: { Make: 'Canon', Model: 'Canon EOS R6' }, IFD2: { DateTimeOriginal: '2023:12:31 23:59:58' } })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    write('rotated-6.jpg', rotated);

    write(
      'photo.png',
      await raw(300, 200, 4, (x, y) => (x >= 150 && y >= 100 ? [0, 0, 0, 0] : [...(x < 150 ? RED : BLUE), 255]))
        .png()
        .toBuffer(),
    );
    write('photo.webp', await pattern().webp({ quality: 90 }).toBuffer());
    write('photo.gif', await raw(200, 100, 3, (x) => (x < 100 ? RED : BLUE)).gif().toBuffer());

    const withExif = await pattern().jpeg({ quality: 90 }).withExif(EXIF).toBuffer();
    write('photo.heic', heifEnc(withExif, tmp, 'photo'));
    const exifOnly = heifEnc(rotated, tmp, 'rotated');
    write('exif-only-6.heic', exifOnly);
    write('rotated.heic', addIrot(exifOnly, 3));

    const tiff = await pattern().tiff({ compression: 'deflate' }).toBuffer();
    write('plain.tif', tiff);
    write('photo.dng', addDngVersion(tiff));

    write('text.jpg', 'This is not a photo, only a text file with a .jpg name.\n');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
