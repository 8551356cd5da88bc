import { Readable } from 'node:stream';
import type { PhotoRecord } from '../../src/data/photos.js';
import { photoKeys } from '../../src/photos/photo-id.js';
import { ObjectMissingError, type PhotoObjects } from '../../src/photos/photo-objects.js';
import { DecoderCrashedError } from '../../src/photos/processing/decoder-pool.js';
import { PhotoProcessor, type PhotoUploadedDetail } from '../../src/photos/photo-processor.js';
import type { DeclaredPhoto, ProcessedPhoto, RejectedPhoto } from '../../src/photos/processing/process-photo.js';

/**
 * The processing decisions, with the repository, the bucket, the decoder and the publisher faked (as
 * Immich's service specs do). test/photos/uploads.test.ts and process-job.test.ts run the same code
 * against the local stack.
 */

const USER = 'user-1';
const ID = 'photo-1';
const ORIGINAL = photoKeys.original(USER, ID);
const THUMBNAIL = photoKeys.thumbnail(USER, ID);
const PREVIEW = photoKeys.preview(USER, ID);

function record(overrides: Partial<PhotoRecord> = {}): PhotoRecord {
  return {
    userId: USER,
    photoId: ID,
    status: 'processing',
    filename: 'a.jpg',
    contentType: 'image/jpeg',
    size: 3,
    sha256: 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=',
    s3Key: ORIGINAL,
    uploadExpiresAt: '2026-12-01T00:15:00.000Z',
    uploadedAt: '2026-12-01T00:00:00.000Z',
    ...overrides,
  };
}

const processed: ProcessedPhoto = {
  status: 'ready',
  sha256Base64: 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=',
  size: 3,
  contentType: 'image/jpeg',
  width: 40,
  height: 30,
  takenAt: { value: '2024-07-14T18:32:05', offset: null, isLocalTime: true },
  exif: { takenAt: null, offset: null, gps: null, make: 'Cam', model: null, lens: null, orientation: null },
  location: null,
  thumbhash: 'aGFzaA==',
  thumbnail: Buffer.from('thumb'),
  preview: Buffer.from('preview'),
};

/** An in-memory photo table with the repository's conditions (status and trash state pinned). */
class FakePhotos {
  rows = new Map<string, PhotoRecord>();
  finished: string[] = [];
  /** Runs before a markReady decides: lets a test change the record "concurrently". */
  beforeMarkReady?: () => void;

  constructor(...photos: PhotoRecord[]) {
    for (const photo of photos) this.rows.set(photo.photoId, photo);
  }
  async get(_userId: string, photoId: string) {
    const row = this.rows.get(photoId);
    return row && { ...row };
  }
  async markReady(photo: PhotoRecord, fields: Partial<PhotoRecord>) {
    this.beforeMarkReady?.();
    const row = this.rows.get(photo.photoId);
    if (!row || row.status !== 'processing' || Boolean(row.trashedAt) !== Boolean(photo.trashedAt)) return false;
    this.rows.set(photo.photoId, { ...row, ...fields, status: 'ready' });
    return true;
  }
  async reject(photo: PhotoRecord, reason: string) {
    const row = this.rows.get(photo.photoId);
    if (!row || (row.status !== 'processing' && row.status !== 'uploading')) return false;
    this.rows.set(photo.photoId, { ...row, status: 'rejected', rejectedReason: reason });
    return true;
  }
  async finishPipeline(photo: PhotoRecord) {
    this.finished.push(photo.photoId);
    return true;
  }
}

class FakeObjects implements PhotoObjects {
  store = new Map<string, Buffer>([[ORIGINAL, Buffer.from('abc')]]);
  /** Failures to inject, by operation. */
  failRead?: Error;
  failWrite?: Error;
  async read(key: string) {
    if (this.failRead) throw this.failRead;
    const body = this.store.get(key);
    if (!body) throw new ObjectMissingError(key);
    return Readable.from([body]);
  }
  async write(key: string, body: Buffer) {
    if (this.failWrite) throw this.failWrite;
    this.store.set(key, body);
  }
  async remove(keys: string[]) {
    for (const key of keys) this.store.delete(key);
  }
}

/** Publishes once per incarnation, as runOnce does; can be made to fail. */
class FakePublisher {
  published: PhotoUploadedDetail[] = [];
  private readonly done = new Set<string>();
  fail?: Error;
  publish = async (detail: PhotoUploadedDetail) => {
    if (this.fail) throw this.fail;
    const key = `${detail.photoId}:${detail.uploadedAt}`;
    if (this.done.has(key)) return;
    this.done.add(key);
    this.published.push(detail);
  };
}

function setup(photo: PhotoRecord | undefined, outcome: ProcessedPhoto | RejectedPhoto | Error = processed) {
  const photos = photo ? new FakePhotos(photo) : new FakePhotos();
  const objects = new FakeObjects();
  const publisher = new FakePublisher();
  const declared: DeclaredPhoto[] = [];
  const processor = new PhotoProcessor({
    photos,
    objects,
    process: async (_input, d) => {
      declared.push(d);
      if (outcome instanceof Error) throw outcome;
      return outcome;
    },
    publishUploaded: publisher.publish,
    limits: { maxBytes: 100, maxBytesRaw: 1000 },
    now: () => Date.parse('2026-12-01T00:01:00.000Z'),
  });
  const run = (finalAttempt = false) => processor.run(USER, ID, new AbortController().signal, { finalAttempt });
  return { photos, objects, publisher, declared, run };
}

describe('PhotoProcessor', () => {
  it('processing -> ready: derivatives stored, fields recorded, PhotoUploaded published once, pipeline finished', async () => {
    const { photos, objects, publisher, declared, run } = setup(record());
    await expect(run()).resolves.toBe('ready');
    expect(objects.store.get(THUMBNAIL)?.toString()).toBe('thumb');
    expect(objects.store.get(PREVIEW)?.toString()).toBe('preview');
    expect(photos.rows.get(ID)).toMatchObject({ status: 'ready', width: 40, height: 30, takenAt: '2024-07-14T18:32:05', takenAtUtc: '2024-07-14T18:32:05.000Z' });
    expect(publisher.published).toEqual([{ userId: USER, photoId: ID, contentType: 'image/jpeg', size: 3, uploadedAt: '2026-12-01T00:00:00.000Z' }]);
    expect(photos.finished).toEqual([ID]);
    expect(declared[0]).toMatchObject({ sha256Base64: record().sha256, contentType: 'image/jpeg', maxBytes: 100, size: 3, signal: expect.any(AbortSignal) });
  });

  it('a DNG gets the raw size limit', async () => {
    const { declared, run } = setup(record({ contentType: 'image/x-adobe-dng' }));
    await run();
    expect(declared[0]!.maxBytes).toBe(1000);
  });

  it('a permanent failure rejects the photo and deletes its objects first; nothing is published', async () => {
    const { photos, objects, publisher, run } = setup(record(), { status: 'rejected', reason: 'checksum-mismatch', detail: 'x' });
    objects.store.set(THUMBNAIL, Buffer.from('stale'));
    await expect(run()).resolves.toBe('rejected');
    expect(photos.rows.get(ID)).toMatchObject({ status: 'rejected', rejectedReason: 'checksum-mismatch' });
    expect([...objects.store.keys()]).toEqual([]);
    expect(publisher.published).toEqual([]);
  });

  it('an original that is gone is a permanent failure: rejected as original-missing', async () => {
    const { photos, objects, run } = setup(record());
    objects.store.delete(ORIGINAL);
    await expect(run()).resolves.toBe('rejected');
    expect(photos.rows.get(ID)).toMatchObject({ status: 'rejected', rejectedReason: 'original-missing' });
  });

  it.each([
    ['S3 unreachable on read', (s: ReturnType<typeof setup>) => (s.objects.failRead = Object.assign(new Error('connect ECONNREFUSED'), { name: 'Error' }))],
    ['S3 unreachable on write', (s: ReturnType<typeof setup>) => (s.objects.failWrite = new Error('socket hang up'))],
  ])('a transient failure (%s) throws for a retry and leaves the photo processing', async (_name, breakIt) => {
    const s = setup(record());
    breakIt(s);
    await expect(s.run()).rejects.toThrow();
    expect(s.photos.rows.get(ID)!.status).toBe('processing');
    expect(s.publisher.published).toEqual([]);
  });

  it('a decoder that throws (transient) never rejects, whatever the attempt', async () => {
    const { photos, run } = setup(record(), new Error('stream reset'));
    for (let attempt = 0; attempt < 10; attempt++) await expect(run(attempt % 2 === 1)).rejects.toThrow('stream reset');
    expect(photos.rows.get(ID)!.status).toBe('processing');
  });

  it('a decoder that crashes on the bytes is retried, and rejected as undecodable on the last attempt the queue makes', async () => {
    const { photos, objects, run } = setup(record(), new DecoderCrashedError(null, 'SIGSEGV'));
    await expect(run()).rejects.toThrow(DecoderCrashedError);
    expect(photos.rows.get(ID)!.status).toBe('processing');
    await expect(run(true)).resolves.toBe('rejected');
    expect(photos.rows.get(ID)).toMatchObject({ status: 'rejected', rejectedReason: 'undecodable' });
    expect(objects.store.has(ORIGINAL)).toBe(false);
  });

  it('EventBridge down after the photo was marked ready: the retry publishes, once', async () => {
    const s = setup(record());
    s.publisher.fail = new Error('EventBridge unreachable');
    await expect(s.run()).rejects.toThrow('EventBridge unreachable');
    expect(s.photos.rows.get(ID)!.status).toBe('ready');
    expect(s.photos.finished).toEqual([]);

    s.publisher.fail = undefined;
    await expect(s.run()).resolves.toBe('announced');
    await expect(s.run()).resolves.toBe('announced');
    expect(s.publisher.published).toHaveLength(1);
    expect(s.photos.finished).toContain(ID);
  });

  it('trashed meanwhile: marked ready keeping the trash state it has now', async () => {
    const s = setup(record());
    s.photos.beforeMarkReady = () => {
      s.photos.beforeMarkReady = undefined;
      s.photos.rows.set(ID, { ...s.photos.rows.get(ID)!, trashedAt: '2026-12-01T00:00:30.000Z' });
    };
    await expect(s.run()).resolves.toBe('ready');
    expect(s.photos.rows.get(ID)).toMatchObject({ status: 'ready', trashedAt: '2026-12-01T00:00:30.000Z' });
    expect(s.publisher.published).toHaveLength(1);
  });

  it('removed while being processed: its derivatives are deleted again and nothing is published', async () => {
    const s = setup(record());
    s.photos.beforeMarkReady = () => s.photos.rows.delete(ID);
    await expect(s.run()).resolves.toBe('nothing-to-do');
    expect(s.objects.store.has(THUMBNAIL)).toBe(false);
    expect(s.objects.store.has(PREVIEW)).toBe(false);
    expect(s.publisher.published).toEqual([]);
  });

  it.each(['uploading', 'rejected'] as const)('a %s photo is left alone', async (status) => {
    const s = setup(record({ status }));
    await expect(s.run()).resolves.toBe('nothing-to-do');
    expect(s.declared).toEqual([]);
    expect(s.photos.rows.get(ID)!.status).toBe(status);
    expect(s.publisher.published).toEqual([]);
  });

  it('a photo that no longer exists is nothing to do', async () => {
    const s = setup(undefined);
    await expect(s.run()).resolves.toBe('nothing-to-do');
    expect(s.publisher.published).toEqual([]);
  });
});
