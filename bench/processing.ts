import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import decodeHeic from 'heic-decode';
import sharp from 'sharp';
import { rgbaToThumbHash } from 'thumbhash';
import { makeDerivatives, PREVIEW, THUMBHASH_SOURCE, THUMBNAIL } from '../src/photos/processing/derivatives.js';
import { type AllowedType } from '../src/photos/processing/sniff.js';
import { quick, spread, writeResult } from './support/results.js';
import { median } from './support/stats.js';

/**
 * Photo processing (thumbnail + preview + ThumbHash) of 12 MP photos, per core: our makeDerivatives against a
 * naive pipeline in which every output decodes the source again, alternating in the same run.
 * One core: sharp.concurrency(1), libuv's pool at one thread (this script re-runs itself with
 * UV_THREADPOOL_SIZE=1), libvips' operation cache off (it would otherwise reuse the naive pipeline's decodes).
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (quick ? 1 : 5));
// A smoke run (--quick) works on 0.75 MP pictures: it proves the bench runs, not how fast.
const WIDTH = quick ? 1008 : 4032;
const HEIGHT = quick ? 756 : 3024;

if (process.env.UV_THREADPOOL_SIZE !== '1') {
  const child = spawnSync(process.execPath, [...process.execArgv, __filename, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, UV_THREADPOOL_SIZE: '1' },
  });
  process.exit(child.status ?? 1);
}

sharp.concurrency(1);
sharp.cache(false);

const INSIDE = { fit: 'inside', withoutEnlargement: true } as const;

/** Every output from the encoded bytes, each decoding the source on its own (HEIC: heic-decode each time). */
async function naive(bytes: Buffer, type: AllowedType) {
  const source = async () => {
    if (type !== 'image/heic') return sharp(bytes).autoOrient();
    const { width, height, data } = await decodeHeic({ buffer: bytes });
    return sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), { raw: { width, height, channels: 4 } });
  };
  const thumbnail = await (await source()).resize(THUMBNAIL.size, THUMBNAIL.size, INSIDE).webp({ quality: THUMBNAIL.quality }).toBuffer();
  const preview = await (await source())
    .resize(PREVIEW.size, PREVIEW.size, INSIDE)
    .flatten({ background: '#ffffff' })
    .jpeg({ quality: PREVIEW.quality, progressive: true })
    .toBuffer();
  const tiny = await (await source())
    .resize(THUMBHASH_SOURCE, THUMBHASH_SOURCE, INSIDE)
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const thumbhash = Buffer.from(rgbaToThumbHash(tiny.info.width, tiny.info.height, tiny.data)).toString('base64');
  return { thumbnail, preview, thumbhash };
}

/**
 * A photo-like 12 MP picture: smooth gradients and blobs plus sensor-like noise (+-4 levels), so encoders do
 * real work. (Noise of +-16 made a 6.4 MB HEIC that took ~2.5 s to decode, unlike a 2-3 MB iPhone photo.)
 */
function syntheticPhoto(): Buffer {
  const data = Buffer.alloc(WIDTH * HEIGHT * 3);
  let seed = 0x2545f491;
  for (let y = 0; y < HEIGHT; y++) {
    const sky = Math.sin(y / 310) * 40;
    for (let x = 0; x < WIDTH; x++) {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      const noise = (seed & 7) - 4;
      const blob = Math.cos(x / 230) * 35 + sky;
      const i = (y * WIDTH + x) * 3;
      data[i] = 90 + ((x * 100) / WIDTH) + blob + noise;
      data[i + 1] = 70 + ((y * 120) / HEIGHT) - blob / 2 + noise;
      data[i + 2] = 140 - ((x * 60) / WIDTH) + sky + noise;
    }
  }
  return data;
}

async function inputs(dir: string): Promise<[string, AllowedType, Buffer][]> {
  const raw = syntheticPhoto();
  const picture = () => sharp(raw, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } });
  const jpeg = await picture().jpeg({ quality: 90 }).toBuffer();
  const png = await picture().png().toBuffer();
  const photos: [string, AllowedType, Buffer][] = [
    ['JPEG', 'image/jpeg', jpeg],
    ['PNG', 'image/png', png],
  ];
  try {
    fs.writeFileSync(path.join(dir, 'photo.jpg'), jpeg);
    execFileSync('heif-enc', ['-q', '75', '-p', 'preset=fast', '-o', path.join(dir, 'photo.heic'), path.join(dir, 'photo.jpg')], {
      stdio: 'pipe',
    });
    photos.splice(1, 0, ['HEIC', 'image/heic', fs.readFileSync(path.join(dir, 'photo.heic'))]);
  } catch (error) {
    console.log(`  HEIC skipped: heif-enc failed or is missing (apt-get install libheif-examples): ${(error as Error).message.split('\n')[0]}`);
  }
  return photos;
}

async function time(run: () => Promise<unknown>): Promise<{ ms: number; cpuMs: number }> {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await run();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const used = process.cpuUsage(cpu);
  return { ms, cpuMs: (used.user + used.system) / 1000 };
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-processing-'));
  try {
    const photos = await inputs(dir);
    console.log(
      `${WIDTH}x${HEIGHT} synthetic photos: ${photos.map(([name, , bytes]) => `${name} ${(bytes.length / 1e6).toFixed(1)} MB`).join(', ')}`,
    );
    // Warm-up (heic-decode's wasm is slow on its first call) and a check that both produce the same outputs.
    for (const [name, type, bytes] of photos) {
      const [a, b] = [await naive(bytes, type), await makeDerivatives(bytes, type)];
      const size = async (image: Buffer) => Object.values((({ width, height }) => ({ width, height }))(await sharp(image).metadata()));
      const same = `${await size(a.thumbnail)}|${await size(a.preview)}` === `${await size(b.thumbnail)}|${await size(b.preview)}`;
      if (!same) throw new Error(`${name}: naive and ours disagree on output sizes`);
    }

    const results = new Map<string, { naive: number[]; ours: number[]; naiveCpu: number[]; oursCpu: number[] }>();
    for (const [name] of photos) results.set(name, { naive: [], ours: [], naiveCpu: [], oursCpu: [] });
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, type, bytes] of photos) {
        const r = results.get(name)!;
        // Alternate which pipeline goes first, so drift in the machine's speed hits both alike.
        const order = round % 2 ? (['ours', 'naive'] as const) : (['naive', 'ours'] as const);
        for (const which of order) {
          const t = await time(() => (which === 'naive' ? naive(bytes, type) : makeDerivatives(bytes, type)));
          r[which].push(t.ms);
          r[which === 'naive' ? 'naiveCpu' : 'oursCpu'].push(t.cpuMs);
        }
      }
    }

    const perSecond = (ms: number) => 1000 / ms;
    console.log(`\nthumbnail 250 WebP + preview 1440 JPEG + ThumbHash, one core, ${ROUNDS} rounds (medians)`);
    console.log('  format  naive (baseline)            ours                        ours / naive');
    const row = (label: string, naiveMs: number, oursMs: number, naiveCpu: number, oursCpu: number) =>
      console.log(
        `  ${label.padEnd(6)}  ${perSecond(naiveMs).toFixed(2).padStart(5)} photos/s (${naiveCpu.toFixed(0).padStart(4)} ms CPU)` +
          `    ${perSecond(oursMs).toFixed(2).padStart(5)} photos/s (${oursCpu.toFixed(0).padStart(4)} ms CPU)` +
          `    ${(naiveMs / oursMs).toFixed(2)}x`,
      );
    for (const [name, r] of results) row(name, median(r.naive), median(r.ours), median(r.naiveCpu), median(r.oursCpu));
    // The mix: one photo of each format per round; its rate is photos / total time of the round.
    const sumRound = (key: 'naive' | 'ours' | 'naiveCpu' | 'oursCpu') =>
      Array.from({ length: ROUNDS }, (_, i) => [...results.values()].reduce((sum, r) => sum + r[key][i]!, 0) / results.size);
    row('mix', median(sumRound('naive')), median(sumRound('ours')), median(sumRound('naiveCpu')), median(sumRound('oursCpu')));
    console.log(`  (mix = ${[...results.keys()].join(' + ')}, one of each per round; CPU = process CPU time per photo)`);
    const perFormat = (key: 'naive' | 'ours' | 'naiveCpu' | 'oursCpu') => Object.fromEntries([...results].map(([name, r]) => [name, spread(r[key])]));
    writeResult('processing', {
      baseline: { description: 'naive pipeline: every output decodes the source again (ms per photo, one core)', ms: perFormat('naive'), cpuMs: perFormat('naiveCpu') },
      figures: {
        ours: { ms: perFormat('ours'), cpuMs: perFormat('oursCpu') },
        naiveOverOurs: Object.fromEntries([...results].map(([name, r]) => [name, median(r.naive) / median(r.ours)])),
        mixNaiveOverOurs: median(sumRound('naive')) / median(sumRound('ours')),
      },
      parameters: { rounds: ROUNDS, width: WIDTH, height: HEIGHT },
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
