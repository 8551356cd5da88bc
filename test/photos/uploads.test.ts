import fs from 'node:fs';
import path from 'node:path';
import { client, registeredUser, startAccountsApp, type ApiClient } from '../helpers/accounts.js';
import { item, jpeg, put, settled, sha256Base64, type UploadAnswer } from '../helpers/uploads.js';

const FIXTURES = path.resolve(__dirname, '../fixtures/images');

interface Me {
  usage: { photos: number; bytes: number; quotaBytes: number };
}

describe('uploads: presigned batch uploads straight to S3, then complete', () => {
  let server: Awaited<ReturnType<typeof startAccountsApp>>;
  let api: ApiClient;
  beforeAll(async () => {
    server = await startAccountsApp({ WORKER_CONCURRENCY: '4', SWEEP_INTERVAL_SECONDS: '0' });
    api = client(server.url);
  });
  afterAll(() => server.close());

  it('a batch of 50 real JPEGs: uploaded with fetch, completed, processed, listed through pages', async () => {
    const user = await registeredUser(api, 'batch');
    const images = await Promise.all(Array.from({ length: 50 }, (_, i) => jpeg(i + 1)));
    const reserved = await api.post<{ items: UploadAnswer[] }>('/v1/uploads', { items: images.map((b, i) => item(`img-${i}`, b)) }, user.accessToken);
    expect(reserved.status).toBe(200);
    expect(reserved.body.items).toHaveLength(50);
    expect(reserved.body.items.every((a) => a.status === 'upload' && a.upload?.method === 'PUT')).toBe(true);
    expect(reserved.body.items.map((a) => a.clientRef)).toEqual(images.map((_, i) => `img-${i}`));

    const statuses = await Promise.all(reserved.body.items.map((answer, i) => put(answer, images[i]!)));
    expect(statuses.every((s) => s === 200)).toBe(true);

    const ids = reserved.body.items.map((a) => a.photoId);
    const completed = await api.post<{ items: { photoId: string; status: string }[] }>('/v1/uploads/complete', { items: ids.map((photoId) => ({ photoId })) }, user.accessToken);
    expect(completed.status).toBe(200);
    expect(completed.body.items.every((c) => c.status === 'processing' || c.status === 'ready')).toBe(true);

    const final = await settled(api, user.accessToken, ids, 60_000);
    expect(Object.values(final).every((p) => p.status === 'ready')).toBe(true);
    const one = final[ids[0]!] as unknown as { width: number; height: number; thumbhash: string; urls: Record<string, string> };
    expect(one).toMatchObject({ width: 64, height: 48, thumbhash: expect.any(String) });
    const thumbnail = await fetch(one.urls.thumbnail!);
    expect(thumbnail.status).toBe(200);
    expect(Buffer.from(await thumbnail.arrayBuffer()).subarray(8, 12).toString()).toBe('WEBP');

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await api.get<{ items: { id: string }[]; nextCursor: string | null }>(`/v1/photos?limit=20${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, user.accessToken);
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((p) => p.id));
      cursor = page.body.nextCursor ?? undefined;
    } while (cursor);
    expect(seen.sort()).toEqual([...ids].sort());

    const me = await api.get<Me>('/v1/me', user.accessToken);
    expect(me.body.usage).toMatchObject({ photos: 50, bytes: images.reduce((sum, b) => sum + b.length, 0) });
  }, 120_000);

  it('duplicates: within a batch, across batches, and against the trash', async () => {
    const user = await registeredUser(api, 'dups');
    const a = await jpeg(1001);
    const b = await jpeg(1002);
    const first = await api.post<{ items: UploadAnswer[] }>('/v1/uploads', { items: [item('a1', a), item('a2', a), item('b', b)] }, user.accessToken);
    const [a1, a2, bAnswer] = first.body.items;
    expect(a1).toMatchObject({ status: 'upload' });
    expect(a2).toMatchObject({ status: 'duplicate', photoId: a1!.photoId });
    expect(bAnswer).toMatchObject({ status: 'upload' });
    await put(a1!, a);
    await put(bAnswer!, b);
    await api.post('/v1/uploads/complete', { items: [{ photoId: a1!.photoId }, { photoId: bAnswer!.photoId }] }, user.accessToken);
    await settled(api, user.accessToken, [a1!.photoId, bAnswer!.photoId]);

    const again = await api.post<{ items: UploadAnswer[] }>('/v1/uploads', { items: [item('a-again', a)] }, user.accessToken);
    expect(again.body.items[0]).toEqual({ clientRef: 'a-again', status: 'duplicate', photoId: a1!.photoId });

    expect((await api.delete(`/v1/photos/${bAnswer!.photoId}`, user.accessToken)).status).toBe(204);
    const fromTrash = await api.post<{ items: UploadAnswer[] }>('/v1/uploads', { items: [item('b-again', b)] }, user.accessToken);
    expect(fromTrash.body.items[0]).toMatchObject({ status: 'duplicate', photoId: bAnswer!.photoId });
    const restored = await api.get<{ trashedAt?: string; status: string }>(`/v1/photos/${bAnswer!.photoId}`, user.accessToken);
    expect(restored.body.status).toBe('ready');
    const trash = await api.get<{ items: unknown[] }>('/v1/trash', user.accessToken);
    expect(trash.body.items).toHaveLength(0);

    const me = await api.get<Me>('/v1/me', user.accessToken);
    expect(me.body.usage).toMatchObject({ photos: 2, bytes: a.length + b.length });
  }, 60_000);

  it('S3 refuses a body of another size, another content type and a tampered signature', async () => {
    const user = await registeredUser(api, 'narrow');
    const bytes = await jpeg(2001);
    const [answer] = (await api.post<{ items: UploadAnswer[] }>('/v1/uploads', { items: [item('n', bytes)] }, user.accessToken)).body.items;
    expect(await put(answer!, Buffer.concat([bytes, Buffer.from('extra')]), { 'content-length': String(bytes.length + 5) })).toBe(403);
    expect(await put(answer!, bytes, { 'content-type': 'image/png' })).toBe(403);
    const tampered = { ...answer!, upload: { ...answer!.upload!, url: answer!.upload!.url!.replace(/X-Amz-Signature=([0-9a-f])/, (_, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`) } };
    expect(await put(tampered, bytes)).toBe(403);
    const complete = await api.post<{ items: { status: string }[] }>('/v1/uploads/complete', { items: [{ photoId: answer!.photoId }] }, user.accessToken);
    expect(complete.body.items[0]!.status).toBe('missing');
    expect(await put(answer!, bytes)).toBe(200);
  });

  it('bytes that do not match the declared SHA-256, and a text file named .jpg, never become ready', async () => {
    const user = await registeredUser(api, 'reject');
    const real = await jpeg(3001);
    const other = await jpeg(3002);
    const text = fs.readFileSync(path.join(FIXTURES, 'text.jpg'));
    const lying = { ...item('lie', other), sha256: sha256Base64(real), size: other.length };
    const reserved = (await api.post<{ items: UploadAnswer[] }>('/v1/uploads', { items: [lying, item('text', text)] }, user.accessToken)).body.items;
    // The local S3 does not check the checksum value (AWS does): the service re-verifies it.
    expect(await put(reserved[0]!, other)).toBe(200);
    expect(await put(reserved[1]!, text)).toBe(200);
    await api.post('/v1/uploads/complete', { items: reserved.map((r) => ({ photoId: r.photoId })) }, user.accessToken);
    const final = await settled(api, user.accessToken, reserved.map((r) => r.photoId));
    // The answer to complete says why, as the record does.
    const again = await api.post<{ items: { photoId: string; status: string; error?: string }[] }>(
      '/v1/uploads/complete',
      { items: reserved.map((r) => ({ photoId: r.photoId })) },
      user.accessToken,
    );
    expect(again.body.items).toEqual([
      { photoId: reserved[0]!.photoId, status: 'rejected', error: 'checksum-mismatch' },
      { photoId: reserved[1]!.photoId, status: 'rejected', error: 'not-an-image' },
    ]);
    expect(final[reserved[0]!.photoId]).toMatchObject({ status: 'rejected' });
    expect(final[reserved[1]!.photoId]).toMatchObject({ status: 'rejected' });
    const me = await api.get<Me>('/v1/me', user.accessToken);
    expect(me.body.usage).toMatchObject({ photos: 0, bytes: 0 });
  }, 60_000);

  it('HEIC, PNG and a rotated JPEG come out ready with display dimensions', async () => {
    const user = await registeredUser(api, 'formats');
    const files = [
      ['photo.heic', 'image/heic'],
      ['photo.png', 'image/png'],
      ['rotated-6.jpg', 'image/jpeg'],
    ] as const;
    const bytes = files.map(([name]) => fs.readFileSync(path.join(FIXTURES, name)));
    const reserved = (await api.post<{ items: UploadAnswer[] }>('/v1/uploads', { items: files.map(([name, type], i) => item(name, bytes[i]!, type, name)) }, user.accessToken)).body.items;
    await Promise.all(reserved.map((r, i) => put(r, bytes[i]!)));
    await api.post('/v1/uploads/complete', { items: reserved.map((r) => ({ photoId: r.photoId })) }, user.accessToken);
    const final = await settled(api, user.accessToken, reserved.map((r) => r.photoId), 60_000);
    // As displayed: the HEIC and the PNG as stored, the JPEG turned by its EXIF orientation 6.
    const expected = [
      { width: 480, height: 240 },
      { width: 300, height: 200 },
      { width: 240, height: 480 },
    ];
    reserved.forEach((r, i) => expect(final[r.photoId]).toMatchObject({ status: 'ready', ...expected[i] }));
  }, 90_000);

  it("another user cannot complete or see someone else's upload: 404", async () => {
    const owner = await registeredUser(api, 'owner');
    const intruder = await registeredUser(api, 'intruder');
    const bytes = await jpeg(4001);
    const [answer] = (await api.post<{ items: UploadAnswer[] }>('/v1/uploads', { items: [item('o', bytes)] }, owner.accessToken)).body.items;
    await put(answer!, bytes);
    expect((await api.post('/v1/uploads/complete', { items: [{ photoId: answer!.photoId }] }, intruder.accessToken)).status).toBe(404);
    expect((await api.get(`/v1/photos/${answer!.photoId}`, intruder.accessToken)).status).toBe(404);
  });

  it('concurrent duplicate completes yield one photo', async () => {
    const user = await registeredUser(api, 'race');
    const bytes = await jpeg(5001);
    const [answer] = (await api.post<{ items: UploadAnswer[] }>('/v1/uploads', { items: [item('r', bytes)] }, user.accessToken)).body.items;
    await put(answer!, bytes);
    const results = await Promise.all(
      Array.from({ length: 5 }, () => api.post<{ items: { status: string }[] }>('/v1/uploads/complete', { items: [{ photoId: answer!.photoId }] }, user.accessToken)),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    await settled(api, user.accessToken, [answer!.photoId]);
    const me = await api.get<Me>('/v1/me', user.accessToken);
    expect(me.body.usage).toMatchObject({ photos: 1, bytes: bytes.length });
  });

  it('51 items is a 400; a batch over the quota is refused naming what is left', async () => {
    const user = await registeredUser(api, 'limits');
    const bytes = await jpeg(6001);
    const tooMany = Array.from({ length: 51 }, (_, i) => ({ ...item(`x${i}`, bytes), sha256: sha256Base64(Buffer.from(String(i))) }));
    expect((await api.post('/v1/uploads', { items: tooMany }, user.accessToken)).status).toBe(400);

    const small = await startAccountsApp({ QUOTA_BYTES_DEFAULT: '1000', SWEEP_INTERVAL_SECONDS: '0' });
    try {
      const smallApi = client(small.url);
      const poor = await registeredUser(smallApi, 'quota');
      const refused = await smallApi.post('/v1/uploads', { items: [{ ...item('big', bytes), size: 900 }, { ...item('big2', bytes), sha256: sha256Base64(Buffer.from('2')), size: 200 }] }, poor.accessToken);
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ type: expect.stringContaining('quota-exceeded'), remainingBytes: 1000 });
      const fits = await smallApi.post('/v1/uploads', { items: [{ ...item('fits', bytes), size: 900 }] }, poor.accessToken);
      expect(fits.status).toBe(200);
      const me = await smallApi.get<Me>('/v1/me', poor.accessToken);
      expect(me.body.usage).toMatchObject({ photos: 1, bytes: 900, quotaBytes: 1000 });
    } finally {
      await small.close();
    }
  });
});

describe('large files: multipart uploads with presigned part URLs', () => {
  it('an 11 MiB photo goes up in 3 parts, completes with their ETags and is processed', async () => {
    const MiB = 1024 * 1024;
    const server = await startAccountsApp({ MULTIPART_THRESHOLD_BYTES: String(5 * MiB), MULTIPART_PART_BYTES: String(5 * MiB), SWEEP_INTERVAL_SECONDS: '0' });
    try {
      const api = client(server.url);
      const user = await registeredUser(api, 'multipart');
      // Noise does not compress: a 2000x1850 RGB PNG is about 11 MiB.
      const noise = Buffer.alloc(2000 * 1850 * 3);
      for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
      const sharp = (await import('sharp')).default;
      const bytes = await sharp(noise, { raw: { width: 2000, height: 1850, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer();
      expect(bytes.length).toBeGreaterThan(10 * MiB);

      const [answer] = (await api.post<{ items: UploadAnswer[] }>('/v1/uploads', { items: [item('big', bytes, 'image/png', 'big.png')] }, user.accessToken)).body.items;
      const multipart = answer!.upload!.multipart!;
      expect(multipart.parts).toHaveLength(3);
      const parts = await Promise.all(
        multipart.parts.map(async (part) => {
          const body = bytes.subarray((part.partNumber - 1) * multipart.partSize, part.partNumber * multipart.partSize);
          const response = await fetch(part.url, { method: 'PUT', body });
          expect(response.status).toBe(200);
          return { partNumber: part.partNumber, etag: response.headers.get('etag')! };
        }),
      );
      const completed = await api.post<{ items: { status: string }[] }>('/v1/uploads/complete', { items: [{ photoId: answer!.photoId, parts }] }, user.accessToken);
      expect(completed.body.items[0]!.status).toBe('processing');
      const final = await settled(api, user.accessToken, [answer!.photoId], 60_000);
      expect(final[answer!.photoId]).toMatchObject({ status: 'ready', width: 2000, height: 1850, size: bytes.length });
      // Completing again is harmless.
      const again = await api.post<{ items: { status: string }[] }>('/v1/uploads/complete', { items: [{ photoId: answer!.photoId, parts }] }, user.accessToken);
      expect(again.body.items[0]!.status).toBe('ready');
    } finally {
      await server.close();
    }
  }, 120_000);
});
