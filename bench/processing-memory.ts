import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type sharpType from 'sharp';
import { loadConfig } from '../src/config.js';
import { DecoderPool } from '../src/photos/processing/decoder-pool.js';
import { DEFAULT_TASK_MEMORY_MB, maxPixelsFor } from '../src/photos/processing/memory-budget.js';
import { readImageHeader } from '../src/photos/processing/image-header.js';
import { processPhoto } from '../src/photos/processing/process-photo.js';
import type { AllowedType } from '../src/photos/processing/sniff.js';
import { dngHead } from '../test/photos/processing/synthetic.js';
import { quick, writeResult } from './support/results.js';

/**
 * Peak memory of photo processing with the default configuration (TASK_MEMORY_MB, WORKER_CONCURRENCY,
 * DECODE_MAX_PIXELS): 4 jobs at once on the largest inputs each type is allowed, as RSS of this process (the
 * job side: streams, hashing, temp files) plus every decoder process, sampled every 10 ms and summed.
 * Inputs are made first in a separate process, so their making does not count. Linux only (/proc).
 *
 *   npm run bench processing-memory          (--quick or BENCH_QUICK=1: smaller inputs, to try the bench itself)
 */
const MiB = 1024 ** 2;
const config = loadConfig({});
const budget = config.processing;
const scale = quick ? 0.02 : 1;
/** Jobs at once (one per worker); a smoke run starts one decoder per step, which is most of its time. */
const AT_ONCE = quick ? 1 : 4;

interface Input {
  name: string;
  type: AllowedType;
  file: string;
}

/** Width x height of the largest source of `type` allowed on the default budget, 4:3. */
function largest(type: AllowedType): { width: number; height: number } {
  // HEIC: a little below the pixel limit, for the file libheif also holds.
  const pixels = maxPixelsFor(type, budget) * scale * (type === 'image/heic' ? 0.97 : 1);
  const width = Math.floor(Math.sqrt((pixels * 4) / 3) / 16) * 16;
  return { width, height: Math.floor(pixels / width) };
}

async function generate(dir: string): Promise<void> {
  // Only this process loads sharp: the measured one must not (the server process never does).
  const sharp = (await import('sharp')).default;
  sharp.concurrency(1);
  /** A photo-like picture (noise around a mid grey, tinted) of any size, made strip by strip by libvips. */
  const picture = (width: number, height: number, sigma = 3): sharpType.Sharp =>
    sharp({ create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma } } }).linear([0.9, 0.7, 1.1], [10, 30, -20]);
  const jpeg = largest('image/jpeg');
  // Orientation 6: the preview pipeline then needs the whole (shrunk) image.
  await picture(jpeg.width, jpeg.height).jpeg({ quality: 90 }).withMetadata({ orientation: 6 }).toFile(path.join(dir, 'largest.jpg'));
  const png = largest('image/png');
  // RGBA, interlaced, rotated: libvips must hold the whole decoded image, the costliest PNG per pixel.
  // Little noise: the largest PNG allowed in pixels must also be under UPLOAD_MAX_BYTES.
  await picture(png.width, png.height, 0.5)
    .ensureAlpha()
    .png({ compressionLevel: 1, progressive: true })
    .withMetadata({ orientation: 6 })
    .toFile(path.join(dir, 'largest.png'));
  const heic = largest('image/heic');
  try {
    await picture(heic.width, heic.height).jpeg({ quality: 90 }).toFile(path.join(dir, 'heic-source.jpg'));
    execFileSync('heif-enc', ['-q', '75', '-p', 'preset=ultrafast', '-o', path.join(dir, 'largest.heic'), path.join(dir, 'heic-source.jpg')], { stdio: 'pipe' });
  } catch (error) {
    console.log(`  HEIC skipped: heif-enc failed or is missing (apt-get install libheif-examples): ${(error as Error).message.split('\n')[0]}`);
  }
  fs.rmSync(path.join(dir, 'heic-source.jpg'), { force: true });
}

/** A DNG as cameras write it: IFD0 with a 4000x3000 RGB preview, then `rawBytes` of raw data (made on demand). */
const DNG_HEAD = dngHead(4000, 3000);

function dngStream(rawBytes: number, valid: boolean): { stream: () => Readable; sha256Base64: string; size: number } {
  const head = valid ? DNG_HEAD : Buffer.alloc(0);
  const fill = randomBytes(64 * 1024);
  const size = head.length + rawBytes;
  function* pieces() {
    for (let at = 0; at < head.length; at += 64 * 1024) yield head.subarray(at, at + 64 * 1024);
    for (let left = rawBytes; left > 0; left -= fill.length) yield fill.subarray(0, Math.min(left, fill.length));
  }
  const hash = createHash('sha256');
  if (valid) for (const piece of pieces()) hash.update(piece);
  return { stream: () => Readable.from(pieces(), { objectMode: false }), sha256Base64: valid ? hash.digest('base64') : 'unknown', size };
}

function fileSha(file: string): string {
  const hash = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  const chunk = Buffer.alloc(MiB);
  for (let n; (n = fs.readSync(fd, chunk)) > 0; ) hash.update(chunk.subarray(0, n));
  fs.closeSync(fd);
  return hash.digest('base64');
}

/** RSS of a process from /proc, in bytes (0 once it is gone). */
function rss(pid: number): number {
  try {
    const kib = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1];
    return Number(kib ?? 0) * 1024;
  } catch {
    return 0;
  }
}

interface Job {
  label: string;
  run: (pool: DecoderPool) => Promise<string>;
}

const measured: { title: string; seconds: number; peakMiB: number; mainMiB: number; decodersMiB: number; decoders: number }[] = [];

async function measure(title: string, jobs: Job[]): Promise<void> {
  const pool = new DecoderPool(budget);
  let peak = { total: 0, main: 0, decoders: 0, count: 0 };
  const timer = setInterval(() => {
    const main = process.memoryUsage.rss();
    const decoders = pool.pids.reduce((sum, pid) => sum + rss(pid), 0);
    if (main + decoders > peak.total) peak = { total: main + decoders, main, decoders, count: pool.pids.length };
  }, 10);
  const started = Date.now();
  const outcomes = await Promise.all(jobs.map((job) => job.run(pool).then((outcome) => `${job.label}: ${outcome}`)));
  clearInterval(timer);
  await pool.close();
  const mb = (bytes: number) => `${(bytes / MiB).toFixed(0)} MB`;
  console.log(`\n${title} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  for (const outcome of outcomes) console.log(`  ${outcome}`);
  console.log(`  peak RSS: ${mb(peak.total)} = this process ${mb(peak.main)} + ${peak.count} decoders ${mb(peak.decoders)}`);
  const mib = (bytes: number) => Math.round(bytes / MiB);
  measured.push({ title, seconds: (Date.now() - started) / 1000, peakMiB: mib(peak.total), mainMiB: mib(peak.main), decodersMiB: mib(peak.decoders), decoders: peak.count });
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-memory-'));
  try {
    // Made in another process: making 100 MP pictures costs memory that is not the one measured.
    const made = spawnSync(process.execPath, [...process.execArgv, __filename, 'generate', dir, ...(quick ? ['--quick'] : [])], { stdio: 'inherit' });
    if (made.status !== 0) throw new Error('could not make the inputs');
    const inputs: Input[] = [
      { name: 'largest.jpg', type: 'image/jpeg', file: path.join(dir, 'largest.jpg') },
      { name: 'largest.png', type: 'image/png', file: path.join(dir, 'largest.png') },
      { name: 'largest.heic', type: 'image/heic', file: path.join(dir, 'largest.heic') },
    ].filter((input) => fs.existsSync(input.file)) as Input[];

    console.log(
      `TASK_MEMORY_MB=${process.env.TASK_MEMORY_MB ?? DEFAULT_TASK_MEMORY_MB}, ${budget.decoders} workers: ` +
        `decodes share ${(budget.decodeBudgetBytes / MiB).toFixed(0)} MB`,
    );
    for (const input of inputs) {
      const head = Buffer.alloc(MiB);
      const fd = fs.openSync(input.file, 'r');
      const header = readImageHeader(head.subarray(0, fs.readSync(fd, head)));
      fs.closeSync(fd);
      const size = header.status === 'image' ? `${header.width}x${header.height} (${((header.width * header.height) / 1e6).toFixed(0)} MP)` : '';
      console.log(`  ${input.name}: ${size} ${(fs.statSync(input.file).size / MiB).toFixed(0)} MB, limit ${(maxPixelsFor(input.type, budget) / 1e6).toFixed(0)} MP`);
    }
    const fileJob = (input: Input): Job => {
      const sha256Base64 = fileSha(input.file);
      return {
        label: input.name,
        run: async (pool) => {
          const result = await processPhoto(fs.createReadStream(input.file, { highWaterMark: 64 * 1024 }), { sha256Base64, contentType: input.type, maxBytes: config.photos.maxBytes }, pool);
          return result.status === 'ready' ? `ready ${result.width}x${result.height}` : `${result.reason} (${result.detail})`;
        },
      };
    };
    const dngJob = (label: string, rawBytes: number, valid: boolean): Job => {
      const dng = dngStream(rawBytes, valid);
      return {
        label,
        run: async (pool) => {
          const result = await processPhoto(dng.stream(), { sha256Base64: dng.sha256Base64, contentType: 'image/x-adobe-dng', maxBytes: config.photos.maxBytesRaw, size: dng.size }, pool);
          return result.status === 'ready' ? `ready ${result.width}x${result.height}` : `${result.reason} (${result.detail})`;
        },
      };
    };

    const [jpeg, png, heic] = [inputs[0], inputs[1], inputs[2]];
    for (const input of inputs) await measure(`${AT_ONCE} x ${input.name} at once`, Array.from({ length: AT_ONCE }, () => fileJob(input)));
    await measure('mix at once: largest JPEG, PNG, HEIC and random bytes declared as a 5 GiB DNG', [
      ...[jpeg, png, heic].filter((input): input is Input => input !== undefined).map(fileJob),
      dngJob('random 5 GiB "DNG"', 5 * 1024 * MiB, false),
    ]);
    await measure(`${AT_ONCE} x a valid 1 GiB DNG (4000x3000 preview in IFD0) at once`, Array.from({ length: AT_ONCE }, (_, i) => dngJob(`dng ${i + 1}`, Math.floor(1024 * MiB * scale), true)));
    writeResult('processing-memory', {
      baseline: { description: 'the task memory the budget is made for (TASK_MEMORY_MB)', taskMemoryMiB: Number(process.env.TASK_MEMORY_MB ?? DEFAULT_TASK_MEMORY_MB), decodeBudgetMiB: Math.round(budget.decodeBudgetBytes / MiB) },
      figures: { peaks: measured, highestPeakMiB: Math.max(...measured.map((m) => m.peakMiB)) },
      parameters: { scale, workers: budget.decoders },
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'generate') {
  void generate(process.argv[3]!).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else {
  void main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
