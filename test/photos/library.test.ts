import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { PhotoRecord } from '../../src/data/photos.js';
import { photoKeys } from '../../src/photos/photo-id.js';
import { GOOD_PASSWORD, registeredUser, type ApiClient } from '../helpers/accounts.js';
import { jobsSettled, libraryWithUsers, objectExists, objectsOf, seedPhoto, uploadPhoto, usageFromApi, usageFromRecords, type RegisteredUser } from '../helpers/photos.js';
import { item, jpeg, put, type UploadAnswer } from '../helpers/uploads.js';

jest.setTimeout(30_000);

interface PhotoBody {
  id: string;
  status: string;
  takenAt: string;
  uploadedAt: string;
  trashedAt?: string;
  size: number;
  urls: { original: string; thumbnail?: string; preview?: string };
  [k: string]: unknown;
}
interface Page {
  items: PhotoBody[];
  nextCursor: string | null;
}
type User = RegisteredUser;

const DAY = 24 * 3600 * 1000;
const iso = (ms: number) => new Date(ms).toISOString();

const library = libraryWithUsers('library-ada', 'library-bob');
const app = () => library.app;
let api: ApiClient;
let ada: User;
let bob: User;
// After libraryWithUsers' own beforeAll: jest runs a file's hooks in the order they are declared.
beforeAll(() => ({ api, users: [ada, bob] } = library));

/** GET /v1/me usage equals the sum over the user's photo records (trash included, rejects not). */
async function expectUsageMatches(user: User) {
  const me = await api.get<{ usage: { photos: number; bytes: number } }>('/v1/me', user.accessToken);
  expect(me.status).toBe(200);
  const expected = await usageFromRecords(app(), user.userId);
  expect({ photos: me.body.usage.photos, bytes: me.body.usage.bytes }).toEqual(expected);
  return me.body.usage;
}

async function allPages(path: string, token: string, between?: (page: number) => Promise<void>): Promise<PhotoBody[]> {
  const seen: PhotoBody[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 50; page++) {
    const sep = path.includes('?') ? '&' : '?';
    const response: { status: number; body: Page } = await api.get<Page>(`${path}${cursor ? `${sep}cursor=${encodeURIComponent(cursor)}` : ''}`, token);
    expect(response.status).toBe(200);
    seen.push(...response.body.items);
    cursor = response.body.nextCursor;
    if (!cursor) return seen;
    await between?.(page);
  }
  throw new Error('too many pages');
}

describe('timeline', () => {
  let ready: PhotoRecord[];
  let processing: PhotoRecord;

  beforeAll(async () => {
    const base = Date.parse('2023-06-01T12:00:00.000Z');
    // Taken in shuffled order, uploaded in another.
    const offsets = [5, 1, 7, 3, 0, 6, 2, 4];
    ready = await Promise.all(offsets.map((days) => seedPhoto(app(), ada.userId, { takenAt: iso(base + days * DAY) })));
    processing = await seedPhoto(app(), ada.userId, { status: 'processing' });
    await seedPhoto(app(), ada.userId, { status: 'uploading' });
  });

  it('lists ready photos newest taken first, in the contract shape, with working signed URLs', async () => {
    const response = await api.get<Page>('/v1/photos', ada.accessToken);
    expect(response.status).toBe(200);
    const byTaken = [...ready].sort((a, b) => b.takenAt!.localeCompare(a.takenAt!)).map((p) => p.photoId);
    expect(response.body.items.map((p) => p.id)).toEqual(byTaken);
    expect(response.body.nextCursor).toBeNull();

    const first = response.body.items[0]!;
    const record = ready.find((p) => p.photoId === first.id)!;
    expect(first).toMatchObject({
      id: record.photoId,
      status: 'ready',
      filename: record.filename,
      contentType: 'image/jpeg',
      size: record.size,
      sha256: record.sha256,
      width: 4032,
      height: 3024,
      takenAt: record.takenAt,
      uploadedAt: record.uploadedAt,
      thumbhash: record.thumbhash,
      exif: { Make: 'Test' },
    });
    expect(first.urls).toEqual({ original: expect.any(String), thumbnail: expect.any(String), preview: expect.any(String) });
    expect(first.urls.original).toContain('X-Amz-Signature=');
    expect(first.urls.original).toContain('X-Amz-Expires=1200');
    const original = await fetch(first.urls.original);
    expect(original.status).toBe(200);
    expect((await original.arrayBuffer()).byteLength).toBe(record.size);
    expect((await fetch(first.urls.thumbnail!)).status).toBe(200);
    // Unsigned or re-signed URLs are refused by S3 itself.
    expect((await fetch(first.urls.original.replace(/X-Amz-Signature=[0-9a-f]+/, `X-Amz-Signature=${'0'.repeat(64)}`))).status).toBe(403);
  });

  it('a photo still processing is readable by id, taken-at falling back to its upload time, without derivative URLs', async () => {
    const response = await api.get<PhotoBody>(`/v1/photos/${processing.photoId}`, ada.accessToken);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ id: processing.photoId, status: 'processing', takenAt: processing.uploadedAt, uploadedAt: processing.uploadedAt });
    expect(response.body.urls.thumbnail).toBeUndefined();
    expect(response.body.urls.preview).toBeUndefined();
  });

  it('paginates with limit 3 while uploads land: no photo skipped or repeated', async () => {
    const before = (await api.get<Page>('/v1/photos?limit=200', ada.accessToken)).body.items.map((p) => p.id);
    const landed: PhotoRecord[] = [];
    const seen = await allPages('/v1/photos?limit=3', ada.accessToken, async (page) => {
      // Between pages: one photo newer than everything (belongs to pages already read) and one
      // older than everything (belongs to the end); both land while the client pages.
      landed.push(await seedPhoto(app(), ada.userId, { takenAt: iso(Date.parse('2030-01-01T00:00:00Z') + page * DAY) }));
      landed.push(await seedPhoto(app(), ada.userId, { takenAt: iso(Date.parse('2001-01-01T00:00:00Z') - page * DAY) }));
    });
    const ids = seen.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length); // no repeats
    expect(ids).toEqual(expect.arrayContaining(before)); // no skips
    // Keyset order: strictly newest first across pages.
    const taken = seen.map((p) => p.takenAt);
    expect([...taken].sort().reverse()).toEqual(taken);
    // What landed behind the cursor shows up; what landed before it does not.
    const older = landed.filter((p) => p.takenAt! < '2020').map((p) => p.photoId);
    const newer = landed.filter((p) => p.takenAt! > '2020').map((p) => p.photoId);
    expect(ids).toEqual(expect.arrayContaining(older));
    expect(ids.filter((id) => newer.includes(id))).toEqual([]);
    expect(seen.length).toBe(before.length + older.length);
  });

  it('validates limit', async () => {
    for (const limit of ['0', '201', 'x', '1.5']) {
      const response = await api.get(`/v1/photos?limit=${limit}`, ada.accessToken);
      expect(response.status).toBe(400);
    }
    expect((await api.get<Page>('/v1/photos?limit=200', ada.accessToken)).status).toBe(200);
    expect((await api.get('/v1/photos')).status).toBe(401);
  });

  it('refuses a forged cursor, another user\'s cursor and a trash cursor with a 400 on querystring.cursor', async () => {
    const page = await api.get<Page>('/v1/photos?limit=2', ada.accessToken);
    const cursor = page.body.nextCursor!;
    expect(cursor).toEqual(expect.any(String));
    const [payload, mac] = cursor.split('.') as [string, string];
    const key = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, string>;
    const forgedPayload = Buffer.from(JSON.stringify({ ...key, GSI1SK: '1999-01-01T00:00:00.000Z#x' })).toString('base64url');
    const bobPayload = Buffer.from(
      JSON.stringify({ PK: `USER#${bob.userId}`, SK: 'PHOTO#x', GSI1PK: `TIMELINE#${bob.userId}`, GSI1SK: '2030-01-01T00:00:00.000Z#x' }),
    ).toString('base64url');
    const bad = [`${forgedPayload}.${mac}`, `${bobPayload}.${mac}`, `${payload}.${mac.slice(0, -2)}AA`, 'garbage', `${payload}`];
    for (const forged of bad) {
      const response = await api.get<{ errors: { path: string }[] }>(`/v1/photos?cursor=${encodeURIComponent(forged)}`, ada.accessToken);
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.body.errors).toEqual([expect.objectContaining({ path: 'querystring.cursor' })]);
    }
    // Ada's genuine cursor is no key to Bob's (or anyone's) timeline, nor to Ada's trash.
    const asBob = await api.get<{ errors: { path: string }[] }>(`/v1/photos?cursor=${encodeURIComponent(cursor)}`, bob.accessToken);
    expect(asBob.status).toBe(400);
    expect(asBob.body.errors[0]!.path).toBe('querystring.cursor');
    expect((await api.get(`/v1/trash?cursor=${encodeURIComponent(cursor)}`, ada.accessToken)).status).toBe(400);
    // The genuine one still works.
    expect((await api.get(`/v1/photos?limit=2&cursor=${encodeURIComponent(cursor)}`, ada.accessToken)).status).toBe(200);
  });

  it('refuses a trash cursor on the timeline too (the other direction)', async () => {
    const dan = await registeredUser(api, 'library-dan');
    const photos = await Promise.all([1, 2, 3].map(() => seedPhoto(app(), dan.userId)));
    for (const photo of photos) expect((await api.delete(`/v1/photos/${photo.photoId}`, dan.accessToken)).status).toBe(204);
    const trashPage = await api.get<Page>('/v1/trash?limit=2', dan.accessToken);
    const trashCursor = trashPage.body.nextCursor!;
    expect(trashCursor).toEqual(expect.any(String));
    const onTimeline = await api.get<{ errors: { path: string }[] }>(`/v1/photos?cursor=${encodeURIComponent(trashCursor)}`, dan.accessToken);
    expect(onTimeline.status).toBe(400);
    expect(onTimeline.body.errors[0]!.path).toBe('querystring.cursor');
    expect((await api.get(`/v1/trash?limit=2&cursor=${encodeURIComponent(trashCursor)}`, dan.accessToken)).status).toBe(200);
    // Out of the trash again: the purge tests below count what is in the trash.
    for (const photo of photos) expect((await api.post(`/v1/photos/${photo.photoId}/restore`, undefined, dan.accessToken)).status).toBe(200);
  });

  it("answers 404 for another user's photo on GET, DELETE and restore, and for unknown ids", async () => {
    const mine = ready[0]!.photoId;
    for (const [method, path] of [
      ['get', `/v1/photos/${mine}`],
      ['delete', `/v1/photos/${mine}`],
      ['post', `/v1/photos/${mine}/restore`],
    ] as const) {
      const response = method === 'post' ? await api.post(path, undefined, bob.accessToken) : await api[method](path, bob.accessToken);
      expect(response.status).toBe(404);
    }
    expect((await api.get('/v1/photos/does-not-exist', ada.accessToken)).status).toBe(404);
    expect((await api.get('/v1/photos/not%20an%20id', ada.accessToken)).status).toBe(400);
    // Still Ada's, untouched.
    expect((await api.get<PhotoBody>(`/v1/photos/${mine}`, ada.accessToken)).body.trashedAt).toBeUndefined();
    expect((await api.get<Page>('/v1/photos?limit=200', bob.accessToken)).body.items).toEqual([]);
  });
});

describe('trash', () => {
  it('trash and restore round trip: the listings follow, trashing twice is fine, usage counts the trash', async () => {
    const [a, b] = [await seedPhoto(app(), bob.userId, { takenAt: '2022-01-01T00:00:00.000Z' }), await seedPhoto(app(), bob.userId, { takenAt: '2022-02-01T00:00:00.000Z' })];
    const usage = await expectUsageMatches(bob);

    expect((await api.delete(`/v1/photos/${a.photoId}`, bob.accessToken)).status).toBe(204);
    expect((await api.delete(`/v1/photos/${a.photoId}`, bob.accessToken)).status).toBe(204);
    await new Promise((r) => setTimeout(r, 5)); // distinct trashedAt
    expect((await api.delete(`/v1/photos/${b.photoId}`, bob.accessToken)).status).toBe(204);

    expect((await api.get<Page>('/v1/photos', bob.accessToken)).body.items.map((p) => p.id)).not.toEqual(expect.arrayContaining([a.photoId]));
    const trash = await api.get<Page>('/v1/trash', bob.accessToken);
    expect(trash.status).toBe(200);
    expect(trash.body.items.map((p) => p.id)).toEqual([b.photoId, a.photoId]); // newest trashed first
    expect(trash.body.items[0]!.trashedAt).toEqual(expect.any(String));
    // Pages of one through the trash with the same codec.
    expect((await allPages('/v1/trash?limit=1', bob.accessToken)).map((p) => p.id)).toEqual([b.photoId, a.photoId]);
    // Trashed photos still count.
    expect(await expectUsageMatches(bob)).toEqual(usage);

    const restored = await api.post<PhotoBody>(`/v1/photos/${a.photoId}/restore`, undefined, bob.accessToken);
    expect(restored.status).toBe(200);
    expect(restored.body).toMatchObject({ id: a.photoId, status: 'ready' });
    expect(restored.body.trashedAt).toBeUndefined();
    // Restoring what is not in the trash is a no-op.
    expect((await api.post(`/v1/photos/${a.photoId}/restore`, undefined, bob.accessToken)).status).toBe(200);
    expect((await api.get<Page>('/v1/photos', bob.accessToken)).body.items.map((p) => p.id)).toContain(a.photoId);
    expect((await api.get<Page>('/v1/trash', bob.accessToken)).body.items.map((p) => p.id)).toEqual([b.photoId]);
    await expectUsageMatches(bob);
  });

  it('deleting a photo still uploading cancels it: record, object and reserved bytes go', async () => {
    const uploading = await seedPhoto(app(), bob.userId, { status: 'uploading' });
    const before = await expectUsageMatches(bob);
    expect((await api.delete(`/v1/photos/${uploading.photoId}`, bob.accessToken)).status).toBe(204);
    expect(await app().photos.repository.get(bob.userId, uploading.photoId)).toBeUndefined();
    expect(await objectExists(app(), uploading.s3Key)).toBe(false);
    expect(await expectUsageMatches(bob)).toEqual({ ...before, photos: before.photos - 1, bytes: before.bytes - uploading.size });
    expect((await api.delete(`/v1/photos/${uploading.photoId}`, bob.accessToken)).status).toBe(404);
  });

  it('DELETE /v1/trash purges: records, objects and usage go; the rest stays', async () => {
    const keep = await seedPhoto(app(), ada.userId);
    const doomed = [await seedPhoto(app(), ada.userId), await seedPhoto(app(), ada.userId, { status: 'processing' })];
    for (const photo of doomed) expect((await api.delete(`/v1/photos/${photo.photoId}`, ada.accessToken)).status).toBe(204);
    const before = await expectUsageMatches(ada);

    const response = await api.delete('/v1/trash', ada.accessToken);
    expect(response.status).toBe(202);
    expect(response.body).toEqual({ status: 'accepted' });
    // A job on the consumer pool does the work.
    await jobsSettled(app());

    for (const photo of doomed) {
      expect(await app().photos.repository.get(ada.userId, photo.photoId)).toBeUndefined();
      expect(await objectExists(app(), photo.s3Key)).toBe(false);
      expect(await objectExists(app(), photoKeys.thumbnail(ada.userId, photo.photoId))).toBe(false);
    }
    expect(await objectExists(app(), keep.s3Key)).toBe(true);
    expect((await api.get<Page>('/v1/trash', ada.accessToken)).body).toEqual({ items: [], nextCursor: null });
    const after = await expectUsageMatches(ada);
    expect(after.bytes).toBe(before.bytes - doomed.reduce((sum, p) => sum + p.size, 0));
    expect(after.photos).toBe(before.photos - 2);
  });
});

describe('usage on real uploads', () => {
  it('counts uploading, processing and ready photos, trash included, never rejected ones; emptying the trash releases exactly what was purged', async () => {
    const frank = await registeredUser(api, 'library-frank');
    const [a, b, c] = await Promise.all([jpeg(7001), jpeg(7002), jpeg(7003)]);
    const notAnImage = Buffer.alloc(2048, 7);
    const ready = [await uploadPhoto(api, frank.accessToken, a!), await uploadPhoto(api, frank.accessToken, b!)];
    const rejected = await uploadPhoto(api, frank.accessToken, notAnImage);
    const pending = await uploadPhoto(api, frank.accessToken, c!, { put: false });
    await jobsSettled(app());
    const ids = [...ready, rejected, pending].map((p) => p.photoId);

    const me = async () => (await api.get<{ usage: { photos: number; bytes: number } }>('/v1/me', frank.accessToken)).body.usage;
    const counted = await usageFromApi(api, frank.accessToken, ids);
    expect(counted.statuses).toEqual({ [ready[0]!.photoId]: 'ready', [ready[1]!.photoId]: 'ready', [rejected.photoId]: 'rejected', [pending.photoId]: 'uploading' });
    expect(await me()).toMatchObject({ photos: 3, bytes: a!.length + b!.length + c!.length });
    expect(await me()).toMatchObject({ photos: counted.photos, bytes: counted.bytes });
    expect(await objectExists(app(), photoKeys.original(frank.userId, rejected.photoId))).toBe(false);

    expect((await api.delete(`/v1/photos/${ready[0]!.photoId}`, frank.accessToken)).status).toBe(204);
    expect(await me()).toMatchObject({ photos: 3, bytes: a!.length + b!.length + c!.length });
    expect((await api.delete('/v1/trash', frank.accessToken)).status).toBe(202);
    await jobsSettled(app());
    expect(await me()).toMatchObject({ photos: 2, bytes: b!.length + c!.length });
    const after = await usageFromApi(api, frank.accessToken, ids);
    expect(await me()).toMatchObject({ photos: after.photos, bytes: after.bytes });
    expect(await objectsOf(app(), frank.userId)).toEqual(
      [photoKeys.original(frank.userId, ready[1]!.photoId), photoKeys.thumbnail(frank.userId, ready[1]!.photoId), photoKeys.preview(frank.userId, ready[1]!.photoId)].sort(),
    );
  });
});

describe('sweepers (injected clock)', () => {
  it('purges trash after 30 days: kept at 29, purged at 31', async () => {
    const photo = await seedPhoto(app(), bob.userId);
    const trashedAt = Date.now();
    expect((await api.delete(`/v1/photos/${photo.photoId}`, bob.accessToken)).status).toBe(204);
    const before = await expectUsageMatches(bob);
    // Everything in Bob's trash (this photo and what earlier tests left there) is due at +31 days.
    const trashed = (await allPages('/v1/trash', bob.accessToken)).map((p) => p.size);
    expect(trashed.length).toBeGreaterThanOrEqual(1);

    expect((await app().photos.sweepers.purgeExpiredTrash(new Date(trashedAt + 29 * DAY))).done).toBe(0);
    await jobsSettled(app());
    expect(await app().photos.repository.get(bob.userId, photo.photoId)).toBeDefined();
    expect(await objectExists(app(), photo.s3Key)).toBe(true);

    const result = await app().photos.sweepers.purgeExpiredTrash(new Date(trashedAt + 31 * DAY));
    expect(result.done).toBe(trashed.length);
    await jobsSettled(app());
    expect(await app().photos.repository.get(bob.userId, photo.photoId)).toBeUndefined();
    expect(await objectExists(app(), photo.s3Key)).toBe(false);
    expect(await objectExists(app(), photoKeys.preview(bob.userId, photo.photoId))).toBe(false);
    const after = await expectUsageMatches(bob);
    expect(after.bytes).toBe(before.bytes - trashed.reduce((sum, size) => sum + size, 0));
    expect((await api.get<Page>('/v1/trash', bob.accessToken)).body.items).toEqual([]);
    // Idempotent: a second run (or a second instance) finds nothing of it.
    expect((await app().photos.sweepers.purgeExpiredTrash(new Date(trashedAt + 31 * DAY))).done).toBe(0);
    await jobsSettled(app());
    expect(await expectUsageMatches(bob)).toEqual(after);
  });

  it('a restored photo is not purged', async () => {
    const photo = await seedPhoto(app(), bob.userId);
    const trashedAt = Date.now();
    expect((await api.delete(`/v1/photos/${photo.photoId}`, bob.accessToken)).status).toBe(204);
    expect((await api.get<Page>('/v1/trash', bob.accessToken)).body.items.map((p) => p.id)).toContain(photo.photoId);
    expect((await api.post(`/v1/photos/${photo.photoId}/restore`, undefined, bob.accessToken)).status).toBe(200);
    await app().photos.sweepers.purgeExpiredTrash(new Date(trashedAt + 31 * DAY));
    await jobsSettled(app());
    const after = await api.get<PhotoBody>(`/v1/photos/${photo.photoId}`, bob.accessToken);
    expect(after.status).toBe(200);
    expect(after.body.trashedAt).toBeUndefined();
    expect(await objectExists(app(), photo.s3Key)).toBe(true);
    expect(await objectExists(app(), photoKeys.thumbnail(bob.userId, photo.photoId))).toBe(true);
  });

  it('a photo restored and trashed again after the sweep handed it out is not purged by that job', async () => {
    const photo = await seedPhoto(app(), bob.userId);
    expect((await api.delete(`/v1/photos/${photo.photoId}`, bob.accessToken)).status).toBe(204);
    // The job the sweep enqueues names the trash entry it saw; the user restores and trashes again first.
    const listed = (await app().photos.repository.get(bob.userId, photo.photoId))!;
    expect((await api.post(`/v1/photos/${photo.photoId}/restore`, undefined, bob.accessToken)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 5));
    expect((await api.delete(`/v1/photos/${photo.photoId}`, bob.accessToken)).status).toBe(204);
    // The stale decision, straight at the library (what a purge job with the old entry would do): refused.
    expect(await app().photos.library.purgeTrashed(listed)).toBe(false);
    await app().photos.jobs.enqueuePurges([listed]);
    await jobsSettled(app());
    const now = await api.get<PhotoBody>(`/v1/photos/${photo.photoId}`, bob.accessToken);
    expect(now.status).toBe(200);
    expect(now.body.trashedAt).not.toBe(listed.trashedAt);
    expect(await objectExists(app(), photo.s3Key)).toBe(true);
    await expectUsageMatches(bob);
  });

  it('sweeps abandoned uploads (record, object, reserved bytes) and keeps live ones; concurrent runs are safe', async () => {
    // Expired two hours ago (in the past, so other test files' live uploads are never due).
    const expiredAt = Date.now() - 2 * 3600_000;
    const abandoned = await seedPhoto(app(), bob.userId, { status: 'uploading', uploadExpiresAt: iso(expiredAt) });
    const live = await seedPhoto(app(), bob.userId, { status: 'uploading' });
    const before = await expectUsageMatches(bob);

    // Within the grace period after expiry: kept.
    await app().photos.sweepers.sweepAbandonedUploads(new Date(expiredAt + 5 * 60_000));
    expect(await app().photos.repository.get(bob.userId, abandoned.photoId)).toBeDefined();

    const runs = await Promise.all([1, 2, 3].map(() => app().photos.sweepers.sweepAbandonedUploads(new Date(expiredAt + 11 * 60_000))));
    expect(runs.reduce((sum, r) => sum + r.done, 0)).toBe(1);
    expect(runs.every((r) => r.failed === 0)).toBe(true);
    expect(await app().photos.repository.get(bob.userId, abandoned.photoId)).toBeUndefined();
    expect(await objectExists(app(), abandoned.s3Key)).toBe(false);
    expect(await app().photos.repository.get(bob.userId, live.photoId)).toMatchObject({ status: 'uploading' });
    expect(await objectExists(app(), live.s3Key)).toBe(true);
    const after = await expectUsageMatches(bob);
    expect(after).toEqual({ ...before, photos: before.photos - 1, bytes: before.bytes - abandoned.size });
  });
});

it('documents the library routes in /openapi.json', async () => {
  const spec = await api.get<{ paths: Record<string, Record<string, unknown>> }>('/openapi.json');
  expect(spec.status).toBe(200);
  expect(Object.keys(spec.body.paths)).toEqual(expect.arrayContaining(['/v1/photos', '/v1/photos/{id}', '/v1/photos/{id}/restore', '/v1/trash', '/v1/me', '/v1/uploads', '/v1/uploads/complete']));
});

describe('DELETE /v1/me', () => {
  it('answers 202 with the account unusable at once; a job removes every photo, object and the profile, and nobody else\'s', async () => {
    const carol = await registeredUser(api, 'library-carol');
    const photos = [
      await seedPhoto(app(), carol.userId),
      await seedPhoto(app(), carol.userId, { status: 'processing' }),
      await seedPhoto(app(), carol.userId, { status: 'uploading' }),
    ];
    expect((await api.delete(`/v1/photos/${photos[0]!.photoId}`, carol.accessToken)).status).toBe(204);
    const stray = `${photoKeys.userPrefix(carol.userId)}stray/${'x'.repeat(8)}`;
    await app().aws.s3.send(new PutObjectCommand({ Bucket: app().resources.bucket, Key: stray, Body: 'left behind' }));
    // An upload URL handed out before the deletion, used only after it.
    const late = await jpeg(4242);
    const reserved = await api.post<{ items: UploadAnswer[] }>('/v1/uploads', { items: [item('late', late)] }, carol.accessToken);
    expect(reserved.status).toBe(200);
    const adaBefore = await usageFromRecords(app(), ada.userId);
    const adaObjects = await objectsOf(app(), ada.userId);

    expect((await api.delete('/v1/me', carol.accessToken)).status).toBe(202);
    expect((await api.get('/v1/me', carol.accessToken)).status).toBe(401);
    expect((await api.post('/v1/auth/login', { email: carol.email, password: GOOD_PASSWORD })).status).toBe(401);
    await jobsSettled(app());

    for (const photo of photos) expect(await app().photos.repository.get(carol.userId, photo.photoId)).toBeUndefined();
    expect(await app().photos.repository.get(carol.userId, reserved.body.items[0]!.photoId)).toBeUndefined();
    expect(await objectsOf(app(), carol.userId)).toEqual([]);
    expect(await app().users.getProfile(carol.userId)).toBeUndefined();
    expect(await app().photos.deletions.getAccountDeletion(carol.userId)).toMatchObject({ phase: 'resweep' });

    // The URL still works: the bytes land under the deleted user's prefix.
    expect(await put(reserved.body.items[0]!, late)).toBe(200);
    expect(await objectsOf(app(), carol.userId)).toHaveLength(1);
    const due = (await app().photos.deletions.getAccountDeletion(carol.userId))!.dueAt;
    // Not before every URL and job that could still write there has ended (15 min TTL + 10 min grace + longest job).
    expect(Date.parse(due) - Date.now()).toBeGreaterThan(25 * 60_000);
    // Only the account sweep: the others would act on every photo of this table at that moved clock.
    // The table is shared with other test files (their deletions may be due too): judge by carol's own state.
    await app().photos.sweepers.resumeAccountDeletions(new Date(Date.parse(due) - 1000));
    expect(await app().photos.deletions.getAccountDeletion(carol.userId)).toMatchObject({ phase: 'resweep', dueAt: due });
    await app().photos.sweepers.resumeAccountDeletions(new Date(Date.parse(due) + 1000));
    await jobsSettled(app());
    expect(await objectsOf(app(), carol.userId)).toEqual([]);
    expect(await app().photos.deletions.getAccountDeletion(carol.userId)).toBeUndefined();

    expect(await usageFromRecords(app(), ada.userId)).toEqual(adaBefore);
    expect(await objectsOf(app(), ada.userId)).toEqual(adaObjects);
    await expectUsageMatches(ada);
  });

  it('a deletion whose job message was lost is handed out again by the sweep', async () => {
    const erin = await registeredUser(api, 'library-erin');
    const photo = await seedPhoto(app(), erin.userId);
    // As if the request died right after recording the deletion (no message was ever sent).
    await app().photos.deletions.startAccountDeletion({
      userId: erin.userId,
      username: erin.email.toLowerCase(),
      phase: 'removing',
      requestedAt: new Date().toISOString(),
      dueAt: new Date(Date.now() + 15 * 60_000).toISOString(),
    });
    const recorded = (await app().photos.deletions.getAccountDeletion(erin.userId))!;
    await app().photos.sweepers.resumeAccountDeletions(new Date());
    expect(await app().photos.deletions.getAccountDeletion(erin.userId)).toEqual(recorded);
    expect(await app().photos.repository.get(erin.userId, photo.photoId)).toBeDefined();
    await app().photos.sweepers.resumeAccountDeletions(new Date(Date.now() + 16 * 60_000));
    await jobsSettled(app());
    expect(await app().photos.repository.get(erin.userId, photo.photoId)).toBeUndefined();
    expect(await objectsOf(app(), erin.userId)).toEqual([]);
    expect(await app().users.getProfile(erin.userId)).toBeUndefined();
  });
});
