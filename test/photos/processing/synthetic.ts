/**
 * Synthetic inputs for processing tests and bench/processing-memory.ts: a DNG laid out the way cameras write
 * them (IFD0 right after the header, its 8-bit RGB preview next, the raw data after), and pixel-bomb headers.
 */

interface Entry {
  tag: number;
  type: 1 | 3 | 4;
  values: number[];
}

const SIZE = { 1: 1, 3: 2, 4: 4 } as const;

/**
 * The start of a little-endian DNG whose IFD0 is an uncompressed 8-bit RGB image of `width` x `height` (the
 * preview sharp decodes): header, IFD0, out-of-line values, strips. `rgb` defaults to a grey gradient. Whatever
 * follows (raw sensor data, any length) is not referenced by IFD0.
 */
export function dngHead(width: number, height: number, rgb?: Buffer): Buffer {
  const rowsPerStrip = 64;
  const strips = Math.ceil(height / rowsPerStrip);
  const stripBytes = (k: number) => Math.min(rowsPerStrip, height - k * rowsPerStrip) * width * 3;
  const entries: Entry[] = [
    { tag: 0xfe, type: 4, values: [1] }, // NewSubFileType: reduced-resolution preview
    { tag: 0x100, type: 4, values: [width] },
    { tag: 0x101, type: 4, values: [height] },
    { tag: 0x102, type: 3, values: [8, 8, 8] },
    { tag: 0x103, type: 3, values: [1] }, // no compression
    { tag: 0x106, type: 3, values: [2] }, // RGB
    { tag: 0x111, type: 4, values: new Array<number>(strips).fill(0) }, // StripOffsets, filled below
    { tag: 0x115, type: 3, values: [3] },
    { tag: 0x116, type: 4, values: [rowsPerStrip] },
    { tag: 0x117, type: 4, values: Array.from({ length: strips }, (_, k) => stripBytes(k)) },
    { tag: 0x11c, type: 3, values: [1] },
    { tag: 0xc612, type: 1, values: [1, 4, 0, 0] }, // DNGVersion 1.4.0.0
  ];
  const ifdSize = 2 + entries.length * 12 + 4;
  let outOfLine = 8 + ifdSize;
  const placed = entries.map((entry) => {
    const bytes = SIZE[entry.type] * entry.values.length;
    if (bytes <= 4) return { entry, at: -1 };
    const at = outOfLine;
    outOfLine += bytes + (bytes % 2);
    return { entry, at };
  });
  const dataStart = outOfLine;
  const pixelBytes = width * height * 3;
  entries[6]!.values = Array.from({ length: strips }, (_, k) => dataStart + k * rowsPerStrip * width * 3);

  const out = Buffer.alloc(dataStart + pixelBytes);
  out.write('II*\0', 0, 'latin1');
  out.writeUInt32LE(8, 4);
  out.writeUInt16LE(entries.length, 8);
  const write = (type: Entry['type'], value: number, at: number) =>
    type === 1 ? out.writeUInt8(value, at) : type === 3 ? out.writeUInt16LE(value, at) : out.writeUInt32LE(value, at);
  placed.forEach(({ entry, at }, i) => {
    const slot = 10 + i * 12;
    out.writeUInt16LE(entry.tag, slot);
    out.writeUInt16LE(entry.type, slot + 2);
    out.writeUInt32LE(entry.values.length, slot + 4);
    const base = at < 0 ? slot + 8 : at;
    if (at >= 0) out.writeUInt32LE(at, slot + 8);
    entry.values.forEach((value, k) => write(entry.type, value, base + k * SIZE[entry.type]));
  });
  if (rgb) rgb.copy(out, dataStart, 0, pixelBytes);
  else for (let i = 0; i < pixelBytes; i++) out[dataStart + i] = (i / 3 / width) & 0xff;
  return out;
}

/** A PNG signature and IHDR declaring width x height (nothing after: a decoder would allocate first). */
export function pngBombHead(width: number, height: number): Buffer {
  const head = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(head);
  head.writeUInt32BE(13, 8);
  head.write('IHDR', 12, 'latin1');
  head.writeUInt32BE(width, 16);
  head.writeUInt32BE(height, 20);
  head.writeUInt8(8, 24); // bit depth
  head.writeUInt8(6, 25); // RGBA
  return head;
}

/** A JPEG start: SOI, an APP0, and a baseline SOF0 declaring width x height (at most 65535 each). */
export function jpegBombHead(width: number, height: number): Buffer {
  const app0 = Buffer.from([0xff, 0xe0, 0, 16, ...Buffer.from('JFIF\0'), 1, 1, 0, 0, 1, 0, 1, 0, 0]);
  const sof = Buffer.from([0xff, 0xc0, 0, 17, 8, height >> 8, height & 0xff, width >> 8, width & 0xff, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app0, sof]);
}
