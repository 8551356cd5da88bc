import fs from 'node:fs';
import { Readable } from 'node:stream';
import { readImageHeader } from '../../../src/photos/processing/image-header.js';
import { keptRanges, stagePhoto } from '../../../src/photos/processing/stage.js';
import { fixture, sha256Base64 } from './helpers.js';
import { lazyObject } from './streams.js';
import { dngHead } from './synthetic.js';

const MiB = 1024 ** 2;
const pass = () => undefined;

describe('stagePhoto', () => {
  it('writes the object to a temporary file while hashing it, across many small chunks', async () => {
    const bytes = fixture('exif.jpg');
    const chunks = Array.from({ length: Math.ceil(bytes.length / 100) }, (_, i) => bytes.subarray(i * 100, i * 100 + 100));
    const staged = await stagePhoto(Readable.from(chunks), { maxBytes: MiB, maxKeptBytes: MiB }, pass);
    if (staged.status !== 'staged') throw new Error(staged.detail);
    expect(staged).toMatchObject({ size: bytes.length, sha256Base64: sha256Base64(bytes), header: { type: 'image/jpeg', width: 320, height: 240 } });
    expect(fs.readFileSync(staged.file).equals(bytes)).toBe(true);
    await staged.cleanup();
    expect(fs.existsSync(staged.file)).toBe(false);
  });

  it('keeps of a 256 MiB DNG only its head and its preview, in a sparse file', async () => {
    const head = dngHead(300, 200);
    const object = lazyObject(head, 256 * MiB);
    const staged = await stagePhoto(object.stream, { maxBytes: 5 * 1024 * MiB, maxKeptBytes: 16 * MiB }, pass);
    if (staged.status !== 'staged') throw new Error(staged.detail);
    try {
      expect(staged.sha256Base64).toBe(object.sha256Base64());
      const stat = fs.statSync(staged.file);
      expect(stat.size).toBe(256 * MiB);
      expect(stat.blocks * 512).toBeLessThan(4 * MiB); // the raw data's holes take no disk
      expect(fs.readFileSync(staged.file).subarray(0, head.length).equals(head)).toBe(true);
    } finally {
      await staged.cleanup();
    }
  });

  it('stops at the limit: beyond maxBytes too-large, beyond the declared size a mismatch', async () => {
    const big = lazyObject(fixture('exif.jpg'), 50 * MiB, Buffer.alloc(64 * 1024));
    expect(await stagePhoto(big.stream, { maxBytes: 2 * MiB, maxKeptBytes: MiB }, pass)).toMatchObject({ status: 'refused', reason: 'too-large' });
    expect(big.produced()).toBeLessThanOrEqual(2 * MiB + 64 * 1024);
    const longer = lazyObject(fixture('exif.jpg'), 50 * MiB, Buffer.alloc(64 * 1024));
    expect(await stagePhoto(longer.stream, { maxBytes: 100 * MiB, declaredSize: 3 * MiB, maxKeptBytes: MiB }, pass)).toMatchObject({
      status: 'refused',
      reason: 'checksum-mismatch',
    });
    expect(longer.produced()).toBeLessThanOrEqual(3 * MiB + 64 * 1024);
  });

  it('refuses what has no complete header in its first MiB, and what the check refuses', async () => {
    // A JPEG whose SOF never comes: APP segments of zeros go on and on.
    const endless = Buffer.concat([Buffer.from([0xff, 0xd8]), ...Array.from({ length: 40 }, () => Buffer.from([0xff, 0xe2, 0xff, 0xff, ...Buffer.alloc(65533)]))]);
    const object = lazyObject(endless, endless.length);
    expect(await stagePhoto(object.stream, { maxBytes: 10 * MiB, maxKeptBytes: MiB }, pass)).toMatchObject({ status: 'refused', reason: 'undecodable' });
    expect(object.produced()).toBeLessThanOrEqual(MiB + 64 * 1024);
    const refused = await stagePhoto(Readable.from([fixture('photo.png')]), { maxBytes: MiB, maxKeptBytes: MiB }, () => ({ refuse: 'type-mismatch', detail: 'no' }));
    expect(refused).toMatchObject({ status: 'refused', reason: 'type-mismatch', detail: 'no' });
    expect(await stagePhoto(Readable.from([Buffer.from('hi')]), { maxBytes: MiB, maxKeptBytes: MiB }, pass)).toMatchObject({ reason: 'not-an-image' });
  });
});

describe('keptRanges', () => {
  it('merges the head and IFD0 ranges in order', () => {
    expect(keptRanges([{ start: 5 * MiB, length: 10 }, { start: 100, length: 10 }, { start: 5 * MiB + 5, length: 20 }])).toEqual([
      { start: 0, length: MiB },
      { start: 5 * MiB, length: 25 },
    ]);
    const header = readImageHeader(dngHead(10, 10));
    expect(header.status === 'image' && keptRanges(header.ranges!)).toEqual([{ start: 0, length: MiB }]);
  });
});
