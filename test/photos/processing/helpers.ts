import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

export const FIXTURES = path.join(__dirname, '..', '..', 'fixtures', 'images');

export function fixture(name: string): Buffer {
  return fs.readFileSync(path.join(FIXTURES, name));
}

export { sha256Base64 } from '../../helpers/uploads.js';

const PALETTE = {
  red: [220, 30, 30],
  blue: [30, 30, 220],
  green: [30, 200, 30],
  white: [255, 255, 255],
} as const;
export type Colour = keyof typeof PALETTE | 'other';

export interface Pixels {
  width: number;
  height: number;
  channels: number;
  /** RGBA at a position given as fractions of the width and height. */
  at(fx: number, fy: number): number[];
  /** The palette colour nearest to that pixel ('other' if none is close). */
  colour(fx: number, fy: number): Colour;
}

/** Decodes an encoded image (WebP, JPEG...) to RGBA for reading pixels. */
export async function pixels(encoded: Buffer): Promise<Pixels> {
  const { data, info } = await sharp(encoded).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const at = (fx: number, fy: number) => {
    const x = Math.min(info.width - 1, Math.floor(fx * info.width));
    const y = Math.min(info.height - 1, Math.floor(fy * info.height));
    const i = (y * info.width + x) * 4;
    return [data[i]!, data[i + 1]!, data[i + 2]!, data[i + 3]!];
  };
  return {
    width: info.width,
    height: info.height,
    channels: info.channels,
    at,
    colour(fx, fy) {
      const [r, g, b] = at(fx, fy) as [number, number, number];
      for (const [name, [pr, pg, pb]] of Object.entries(PALETTE)) {
        if (Math.abs(r - pr) + Math.abs(g - pg) + Math.abs(b - pb) < 90) return name as Colour;
      }
      return 'other';
    },
  };
}

/** Probes of the fixtures' patterns: [x fraction, y fraction, colour expected once displayed]. */
export type Probe = [number, number, Colour];

/** scripts/make-fixtures.ts's pattern as stored (480x240): green band over the red left half, blue right half. */
export const UPRIGHT_PATTERN: Probe[] = [
  [0.25, 0.75, 'red'],
  [0.25, 0.08, 'green'],
  [0.75, 0.5, 'blue'],
];
/** The same pattern turned 90 degrees clockwise (Orientation 6 / irot 270), 240x480. */
export const ROTATED_PATTERN: Probe[] = [
  [0.3, 0.25, 'red'],
  [0.92, 0.25, 'green'],
  [0.5, 0.75, 'blue'],
];
