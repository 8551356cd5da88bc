import { PassThrough, Readable } from 'node:stream';
import { readOnce, TooLargeError } from '../../../src/photos/processing/read-once.js';
import { fixture, sha256Base64 } from './helpers.js';

describe('readOnce', () => {
  it('hashes the bytes while collecting them, across many chunks', async () => {
    const bytes = fixture('exif.jpg');
    const chunks = Array.from({ length: Math.ceil(bytes.length / 100) }, (_, i) => bytes.subarray(i * 100, i * 100 + 100));
    const result = await readOnce(Readable.from(chunks), bytes.length);
    expect(result.size).toBe(bytes.length);
    expect(result.bytes.equals(bytes)).toBe(true);
    expect(result.sha256Base64).toBe(sha256Base64(bytes));
  });

  it('hashes an empty stream', async () => {
    const result = await readOnce(Readable.from([]), 10);
    expect(result).toEqual({ bytes: Buffer.alloc(0), size: 0, sha256Base64: sha256Base64(Buffer.alloc(0)) });
  });

  it('stops at maxBytes with TooLargeError and destroys the stream', async () => {
    const stream = new PassThrough();
    stream.write(Buffer.alloc(600));
    stream.write(Buffer.alloc(600)); // the stream is never ended: reading must stop by itself
    await expect(readOnce(stream, 1000)).rejects.toBeInstanceOf(TooLargeError);
    expect(stream.destroyed).toBe(true);
  });

  it('propagates an I/O error of the stream unchanged', async () => {
    const stream = new PassThrough();
    const failure = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    stream.write(Buffer.alloc(10));
    setImmediate(() => stream.destroy(failure));
    await expect(readOnce(stream, 1000)).rejects.toBe(failure);
  });
});
