import sharp from 'sharp';
import { readImageHeader } from '../../../src/photos/processing/image-header.js';
import { fixture } from './helpers.js';
import { dngHead, jpegBombHead, pngBombHead } from './synthetic.js';

/** Every prefix length at which the answer must still be "need more", then the answer for the whole head. */
function prefixes(bytes: Buffer) {
  const answers = new Set<string>();
  for (let n = 0; n < bytes.length; n++) {
    const answer = readImageHeader(bytes.subarray(0, n));
    answers.add(answer.status);
    if (answer.status !== 'need-more') return { firstAnswerAt: n, answers };
  }
  return { firstAnswerAt: bytes.length, answers };
}

describe('readImageHeader', () => {
  it.each([
    ['exif.jpg', 'image/jpeg', 320, 240],
    ['rotated-6.jpg', 'image/jpeg', 480, 240], // stored size: orientation does not change the pixel count
    ['photo.png', 'image/png', 300, 200],
    ['photo.webp', 'image/webp', 480, 240],
    ['photo.gif', 'image/gif', 200, 100],
    ['photo.heic', 'image/heic', 480, 240],
    ['rotated.heic', 'image/heic', 480, 240],
    ['exif-only-6.heic', 'image/heic', 480, 240],
    ['photo.dng', 'image/x-adobe-dng', 480, 240],
  ])('%s: %s of %ix%i; any shorter prefix asks for more, never guesses', (name, type, width, height) => {
    const bytes = fixture(name);
    expect(readImageHeader(bytes)).toMatchObject({ status: 'image', type, width, height });
    const { answers } = prefixes(bytes);
    expect([...answers].filter((status) => status !== 'need-more' && status !== 'image')).toEqual([]);
  });

  it('answers from the first bytes: JPEG at its SOF, PNG at IHDR, GIF and WebP at once', async () => {
    expect(prefixes(fixture('photo.png')).firstAnswerAt).toBe(24);
    expect(prefixes(fixture('photo.gif')).firstAnswerAt).toBe(10);
    expect(prefixes(fixture('photo.webp')).firstAnswerAt).toBe(30);
    const jpeg = await sharp({ create: { width: 8000, height: 6000, channels: 3, background: '#888' } }).jpeg().toBuffer();
    expect(readImageHeader(jpeg.subarray(0, 200))).toMatchObject({ status: 'image', width: 8000, height: 6000 });
  });

  it('reads the declared size of pixel bombs without needing their data', () => {
    expect(readImageHeader(pngBombHead(60000, 60000))).toEqual({ status: 'image', type: 'image/png', width: 60000, height: 60000 });
    expect(readImageHeader(jpegBombHead(60000, 60000))).toEqual({ status: 'image', type: 'image/jpeg', width: 60000, height: 60000 });
  });

  it('reads lossless and extended WebP headers', async () => {
    const lossless = await sharp({ create: { width: 300, height: 7, channels: 4, background: '#0000' } }).webp({ lossless: true }).toBuffer();
    expect(readImageHeader(lossless)).toMatchObject({ status: 'image', type: 'image/webp', width: 300, height: 7 });
    const extended = await sharp({ create: { width: 20, height: 500, channels: 4, background: '#f008' } }).webp().withMetadata().toBuffer();
    expect(extended.toString('latin1', 12, 16)).toBe('VP8X');
    expect(readImageHeader(extended)).toMatchObject({ status: 'image', width: 20, height: 500 });
  });

  it('gives a DNG its IFD0 preview size and the byte ranges that decoding IFD0 reads', () => {
    const head = dngHead(64, 130);
    const header = readImageHeader(Buffer.concat([head, Buffer.alloc(1000, 0x55)]));
    expect(header).toMatchObject({ status: 'image', type: 'image/x-adobe-dng', width: 64, height: 130 });
    if (header.status !== 'image') throw new Error('not an image');
    const strips = header.ranges!.filter((range) => range.length === 64 * 64 * 3 || range.length === 2 * 64 * 3);
    expect(strips).toHaveLength(3); // 64 + 64 + 2 rows
    // Nothing it needs lies past the preview: the raw data after it is never kept.
    expect(Math.max(...header.ranges!.map((range) => range.start + range.length))).toBe(head.length);
  });

  it('refuses what no decoder would accept, and what is no allowed image at all', () => {
    expect(readImageHeader(Buffer.from('hello, this is not a picture at all'))).toEqual({ status: 'not-an-image' });
    expect(readImageHeader(fixture('plain.tif'))).toEqual({ status: 'not-an-image' });
    const jpegScanFirst = Buffer.from([0xff, 0xd8, 0xff, 0xda, 0, 8, 1, 2, 3, 4, 5, 6, 0, 0]);
    expect(readImageHeader(jpegScanFirst)).toMatchObject({ status: 'malformed' });
    expect(readImageHeader(pngBombHead(0, 10))).toMatchObject({ status: 'malformed' });
    // HEIF whose meta box comes after gigabytes of media data: it could only be read after all of them.
    const heic = fixture('photo.heic');
    const ftypSize = heic.readUInt32BE(0);
    const mdatFirst = Buffer.concat([heic.subarray(0, ftypSize), Buffer.from([0, 0x10, 0, 0, ...Buffer.from('mdat')]), Buffer.alloc(64)]);
    expect(readImageHeader(mdatFirst)).toMatchObject({ status: 'malformed' });
  });
});
