import type { AllowedType } from './sniff.js';

const MiB = 1024 ** 2;

/** The Fargate task's memory (sst.config.ts sets it, and TASK_MEMORY_MB to match). */
export const DEFAULT_TASK_MEMORY_MB = 2048;
/** No source above 100 MP (12000x8333), whatever the budget: decode time grows with pixels too. */
export const DEFAULT_DECODE_MAX_PIXELS = 100_000_000;

/**
 * What the task's memory goes to besides decodes: the HTTP process (Fastify, AWS clients, caches, the job
 * workers' streams and hashing: one chunk each), each idle decoder process (Node + sharp/libvips, about 82 MB;
 * 100 MB once heic-decode's wasm is loaded), and a margin for what neither accounts for.
 */
export const SERVER_RESERVE_BYTES = 256 * MiB;
export const DECODER_IDLE_BYTES = 104 * MiB;
export const SAFETY_MARGIN = 0.1;

/**
 * Peak memory of a decode above its process' idle footprint, per source pixel, measured (bench/processing-memory.ts,
 * 12 and 24 MP sources, Node 20, sharp 0.35, heic-decode 2.1) and rounded up by about 15 %:
 * - JPEG 0.6: libjpeg's shrink-on-load decodes at 1/2..1/8 scale, even when an orientation needs the whole image.
 * - PNG 11.3 (16-bit RGBA, interlaced, rotated: libvips holds the whole 8-byte-a-pixel image); 8-bit RGB 1.1.
 * - GIF 5.9 and lossless WebP 6.2 (a whole RGBA frame); lossy WebP 0.6; DNG's 8-bit RGB preview 1.5.
 * - AVIF 17.7 (libheif + the AV1 decoder's frame buffers); HEIC 12.6 (libheif in wasm: YUV planes and RGBA, and
 *   the RGBA copied out), plus the file itself read into wasm memory.
 */
const BYTES_PER_PIXEL: Record<AllowedType, number> = {
  'image/jpeg': 1,
  'image/png': 13,
  'image/gif': 7,
  'image/webp': 7,
  'image/avif': 20,
  'image/heic': 14,
  'image/heif': 14,
  'image/x-adobe-dng': 4,
};
/** Fixed cost of a decode whatever its size: output buffers, libvips' per-operation state, EXIF. */
const BASE_DECODE_BYTES = 24 * MiB;

/** Memory a decode of this source may take above its process' idle footprint. */
export function decodeEstimateBytes(type: AllowedType, pixels: number, fileBytes: number): number {
  const file = type === 'image/heic' || type === 'image/heif' ? 2 * fileBytes : 0;
  return Math.ceil(BASE_DECODE_BYTES + BYTES_PER_PIXEL[type] * pixels + file);
}

export interface ProcessingBudget {
  /** Decoder processes (one per job worker, at least one). */
  decoders: number;
  /** What decodes may take at once, above the decoders' idle footprint. */
  decodeBudgetBytes: number;
  /** Pixels no source may exceed, whatever its type (DECODE_MAX_PIXELS). */
  maxPixels: number;
}

/**
 * The decode budget of a task of `taskMemoryBytes` running `workers` job workers: what is left once the server,
 * the idle decoders and the margin are counted. Undefined when nothing is left (the configuration is refused).
 */
export function processingBudget(taskMemoryBytes: number, workers: number, maxPixels: number): ProcessingBudget | undefined {
  const decoders = Math.max(1, workers);
  const decodeBudgetBytes = Math.floor(taskMemoryBytes * (1 - SAFETY_MARGIN) - SERVER_RESERVE_BYTES - decoders * DECODER_IDLE_BYTES);
  if (decodeBudgetBytes < BASE_DECODE_BYTES + 64 * MiB) return undefined;
  return { decoders, decodeBudgetBytes, maxPixels };
}

/** Most pixels a source of this type may have on this budget: one such decode fits alone. */
export function maxPixelsFor(type: AllowedType, budget: ProcessingBudget): number {
  return Math.min(budget.maxPixels, Math.floor((budget.decodeBudgetBytes - BASE_DECODE_BYTES) / BYTES_PER_PIXEL[type]));
}
