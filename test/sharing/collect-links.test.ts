import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { FastifyInstance } from 'fastify';
import { GUEST_STAGING_PREFIX } from '../../src/sharing/staging.js';
import { client, registeredUser, startAccountsApp, waitUntil, type ApiClient } from '../helpers/accounts.js';
import { registerSecret, TEST_LOG_DIR } from '../helpers/log-capture.js';
import { jpeg, settled } from '../helpers/uploads.js';
import { createAlbum, createLink, KEYS, keysEnv, openLink, readyPhotos, type Problem, type ShareLink } from './support.js';

/**
 * Collect links over the real HTTP API: guests without an account add photos with multipart/form-data (as curl
 * or a browser form sends it); the files become the album owner's photos (their quota, exactly; deduplicated
 * against their library; processed) and join the album with the guest's name; the link's count, the size cap,
 * the password and the per-address limit hold, and nothing staged is left behind.
 */
jest.setTimeout(120_000);

type User = Awaited<ReturnType<typeof registeredUser>>;
interface GuestResult {
  filename: string;
  status: 'added' | 'duplicate' | 'rejected';
  photoId?: string;
  error?: string;
}
interface AlbumPhoto {
  id: string;
  addedBy: { name: string; guest: boolean; userId?: string };
}

const MAX_FILE = 2 * 1024 ** 2;
const GUEST = 'Grace Hopper 🌸';
registerSecret('guest name', GUEST);

let server: Awaited<ReturnType<typeof startAccountsApp>>;
let api: ApiClient;
const app = (): FastifyInstance => server.app;
let owner: User;
let albumId: string;

beforeAll(async () => {
  server = await startAccountsApp({ WORKER_CONCURRENCY: '2', SWEEP_INTERVAL_SECONDS: '0', COLLECT_MAX_FILE_BYTES: String(MAX_FILE), ...keysEnv({ k1: KEYS.k1 }, 'k1') });
  api = client(server.url);
  owner = await registeredUser(api, 'collect-owner');
  albumId = await createAlbum(api, owner.accessToken, 'Wedding');
});
afterAll(() => server.close());

const collect = async (body: Record<string, unknown> = {}) => (await createLink(api, owner.accessToken, albumId, { kind: 'collect', ...body })).body;
const usage = async () => (await api.get<{ usage: { photos: number; bytes: number } }>('/v1/me', owner.accessToken)).body.usage;
const albumPhotos = async () => (await api.get<{ items: AlbumPhoto[] }>(`/v1/albums/${albumId}/photos?limit=200`, owner.accessToken)).body.items;
const linkOf = async (id: string) => (await api.get<{ items: ShareLink[] }>(`/v1/albums/${albumId}/links`, owner.accessToken)).body.items.find((l) => l.id === id)!;

/** What the staging prefix holds: nothing, once every request is answered. */
async function staged(): Promise<string[]> {
  const listed = await app().aws.s3.send(new ListObjectsV2Command({ Bucket: app().resources.bucket, Prefix: GUEST_STAGING_PREFIX }));
  return (listed.Contents ?? []).map((o) => o.Key!);
}

interface Part {
  bytes: Buffer;
  filename: string;
  type?: string;
}

/** POST /v1/shared/{token}/photos as a browser or curl sends it: fields first, then the files. */
async function upload(token: string, files: Part[], fields: Record<string, string> = { name: GUEST }, headers: Record<string, string> = {}) {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  for (const file of files) form.append('file', new Blob([file.bytes], { type: file.type ?? 'image/jpeg' }), file.filename);
  const response = await fetch(`${server.url}/v1/shared/${token}/photos`, { method: 'POST', body: form, headers });
  const body = (await response.json()) as { items: GuestResult[] } & Problem & { errors?: { path: string }[] };
  return { status: response.status, body };
}

describe('a guest adds photos', () => {
  let link: ShareLink;
  beforeAll(async () => {
    link = await collect();
  });

  it("two files: the owner's usage grows by exactly their sizes; they are processed and join the album with the guest's name", async () => {
    const [a, b] = await Promise.all([jpeg(401, 320, 240), jpeg(402, 240, 320)]);
    const before = await usage();
    const answer = await upload(link.token, [
      { bytes: a, filename: 'beach.jpg' },
      { bytes: b, filename: 'Ålesund — 夕日.jpg' },
    ]);
    expect(answer.status).toBe(201);
    expect(answer.body.items).toEqual([
      { filename: 'beach.jpg', status: 'added', photoId: expect.any(String) },
      { filename: 'Ålesund — 夕日.jpg', status: 'added', photoId: expect.any(String) },
    ]);
    const ids = answer.body.items.map((i) => i.photoId!);
    expect(await usage()).toEqual({ ...before, photos: before.photos + 2, bytes: before.bytes + a.length + b.length });
    const states = await settled(api, owner.accessToken, ids);
    expect(ids.map((id) => states[id]!.status)).toEqual(['ready', 'ready']);
    expect(states[ids[1]!]).toMatchObject({ filename: 'Ålesund — 夕日.jpg', size: b.length, width: 240, height: 320 });
    // Placed in the album once ready (PhotoUploaded's step), with the guest's name and no user id.
    const placed = await waitUntil(async () => {
      const photos = (await albumPhotos()).filter((p) => ids.includes(p.id));
      return photos.length === 2 ? photos : undefined;
    }, 20_000);
    for (const photo of placed) expect(photo.addedBy).toEqual({ name: GUEST, guest: true });
    expect(await usage()).toEqual({ ...before, photos: before.photos + 2, bytes: before.bytes + a.length + b.length });
    expect((await linkOf(link.id)).uploads).toBe(2);
    expect(await staged()).toEqual([]);
  });

  it("a duplicate of the owner's photo is not stored twice: it joins the album, the usage does not move", async () => {
    const [mine] = await readyPhotos(api, owner.accessToken, [410]);
    const before = await usage();
    const answer = await upload(link.token, [{ bytes: await jpeg(410), filename: 'same.jpg' }]);
    expect(answer.status).toBe(201);
    expect(answer.body.items).toEqual([{ filename: 'same.jpg', status: 'duplicate', photoId: mine!.id }]);
    expect(await usage()).toEqual(before);
    const inAlbum = (await albumPhotos()).find((p) => p.id === mine!.id);
    expect(inAlbum?.addedBy).toEqual({ name: GUEST, guest: true });
    expect(await staged()).toEqual([]);
  });

  it("a copy of a photo the owner put in the trash leaves it there: a duplicate, not in the album, the usage unmoved", async () => {
    const [trashed] = await readyPhotos(api, owner.accessToken, [411]);
    expect((await api.delete(`/v1/photos/${trashed!.id}`, owner.accessToken)).status).toBe(204);
    const before = await usage();
    const answer = await upload(link.token, [{ bytes: await jpeg(411), filename: 'again.jpg' }]);
    expect(answer.status).toBe(201);
    expect(answer.body.items).toEqual([{ filename: 'again.jpg', status: 'duplicate', photoId: trashed!.id }]);
    expect((await api.get<{ trashedAt?: string }>(`/v1/photos/${trashed!.id}`, owner.accessToken)).body.trashedAt).toEqual(expect.any(String));
    expect((await albumPhotos()).map((p) => p.id)).not.toContain(trashed!.id);
    expect(await usage()).toEqual(before);
    expect(await staged()).toEqual([]);
  });

  it('what is not a photo is rejected, the rest of the request still goes in', async () => {
    const before = await usage();
    const good = await jpeg(420);
    const answer = await upload(link.token, [
      { bytes: Buffer.from('#!/bin/sh\necho hi\n'), filename: 'script.sh', type: 'text/x-shellscript' },
      { bytes: good, filename: 'ok.jpg' },
      { bytes: Buffer.alloc(0), filename: 'empty.jpg' },
    ]);
    expect(answer.status).toBe(201);
    expect(answer.body.items).toEqual([
      { filename: 'script.sh', status: 'rejected', error: expect.stringContaining('not a photo type') },
      { filename: 'ok.jpg', status: 'added', photoId: expect.any(String) },
      { filename: 'empty.jpg', status: 'rejected', error: 'the file is empty' },
    ]);
    expect((await usage()).bytes).toBe(before.bytes + good.length);
    expect(await staged()).toEqual([]);
  });

  it('a file over the size limit is a 413 and nothing of the request is kept', async () => {
    const before = await usage();
    const uploadsBefore = (await linkOf(link.id)).uploads;
    const answer = await upload(link.token, [
      { bytes: await jpeg(430), filename: 'small.jpg' },
      { bytes: Buffer.concat([await jpeg(431), Buffer.alloc(MAX_FILE)]), filename: 'huge.jpg' },
    ]);
    expect(answer.status).toBe(413);
    expect(answer.body).toMatchObject({ status: 413, type: 'https://auroravault.dev/problems/payload-too-large', detail: expect.stringContaining('huge.jpg') });
    expect(await usage()).toEqual(before);
    expect((await linkOf(link.id)).uploads).toBe(uploadsBefore);
    expect(await staged()).toEqual([]);
  });

  it('bad forms are 400s naming the field, a JSON body a 415, and nothing is kept', async () => {
    const bytes = await jpeg(440);
    const cases: [Record<string, string>, Part[], string][] = [
      [{}, [{ bytes, filename: 'a.jpg' }], 'body.name'],
      [{ name: '   ' }, [{ bytes, filename: 'a.jpg' }], 'body.name'],
      [{ name: 'Eve\u0007' }, [{ bytes, filename: 'a.jpg' }], 'body.name'],
      [{ name: 'x'.repeat(61) }, [{ bytes, filename: 'a.jpg' }], 'body.name'],
      [{ name: GUEST }, [], 'body.file'],
    ];
    for (const [fields, files, path] of cases) {
      const answer = await upload(link.token, files, fields);
      expect({ fields, status: answer.status, paths: answer.body.errors?.map((e) => e.path) }).toEqual({ fields, status: 400, paths: [path] });
    }
    const json = await fetch(`${server.url}/v1/shared/${link.token}/photos`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(json.status).toBe(415);
    expect(json.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await staged()).toEqual([]);
  });
});

it('the link counts files up to maxUploads: a batch that does not fit is a 409 and stores nothing', async () => {
  const link = await collect({ maxUploads: 2 });
  expect(link).toMatchObject({ kind: 'collect', uploads: 0, maxUploads: 2 });
  const one = await upload(link.token, [{ bytes: await jpeg(450), filename: '1.jpg' }]);
  expect(one.status).toBe(201);
  const before = await usage();
  const two = await upload(link.token, [
    { bytes: await jpeg(451), filename: '2.jpg' },
    { bytes: await jpeg(452), filename: '3.jpg' },
  ]);
  expect(two.status).toBe(409);
  expect(await usage()).toEqual(before);
  expect((await upload(link.token, [{ bytes: await jpeg(451), filename: '2.jpg' }])).status).toBe(201);
  expect((await linkOf(link.id)).uploads).toBe(2);
  const full = await upload(link.token, [{ bytes: await jpeg(453), filename: '4.jpg' }]);
  expect(full.status).toBe(409);
  expect(full.body.detail).toBe('This link takes no more photos');
  expect(await staged()).toEqual([]);
});

it("a collect link shows the album's name only, a view link takes no photos, a revoked link is a 404", async () => {
  const link = await collect();
  const opened = await openLink(server.url, link.token);
  expect(opened.status).toBe(200);
  expect(opened.body).toEqual({ album: { name: 'Wedding' }, kind: 'collect', expiresAt: link.expiresAt, maxFiles: 20, maxFileBytes: MAX_FILE });
  const view = (await createLink(api, owner.accessToken, albumId, { kind: 'view' })).body;
  expect((await upload(view.token, [{ bytes: await jpeg(460), filename: 'v.jpg' }])).status).toBe(403);
  expect((await api.delete(`/v1/albums/${albumId}/links/${link.id}`, owner.accessToken)).status).toBe(204);
  expect((await upload(link.token, [{ bytes: await jpeg(461), filename: 'r.jpg' }])).status).toBe(404);
  expect((await upload('forged.token.here', [{ bytes: await jpeg(461), filename: 'r.jpg' }])).status).toBe(404);
  expect(await staged()).toEqual([]);
});

it('a password-protected collect link takes the password as a field or the header; without it, nothing is read', async () => {
  const password = 'open sesame 2026';
  const link = await collect({ password });
  const bytes = await jpeg(470);
  const refusals: Record<string, string>[] = [{ name: GUEST }, { name: GUEST, password: 'wrong password' }];
  for (const fields of refusals) {
    const refused = await upload(link.token, [{ bytes, filename: 'p.jpg' }], fields);
    expect(refused.status).toBe(401);
    expect(refused.body.type).toBe('https://auroravault.dev/problems/share-password-required');
  }
  expect((await upload(link.token, [{ bytes, filename: 'p.jpg' }], { name: GUEST, password })).status).toBe(201);
  expect((await upload(link.token, [{ bytes: await jpeg(471), filename: 'h.jpg' }], { name: GUEST }, { 'x-share-password': password })).status).toBe(201);
  expect((await linkOf(link.id)).uploads).toBe(2);
  expect(await staged()).toEqual([]);
});

it("over the owner's quota: a 409 that tells the guest nothing of the owner's numbers, and nothing is kept", async () => {
  const small = await startAccountsApp({ QUOTA_BYTES_DEFAULT: '1500', ...keysEnv({ k1: KEYS.k1 }, 'k1') });
  try {
    const smallApi = client(small.url);
    const tight = await registeredUser(smallApi, 'collect-quota');
    const album = await createAlbum(smallApi, tight.accessToken, 'Tight');
    const link = (await createLink(smallApi, tight.accessToken, album, { kind: 'collect' })).body;
    const big = await jpeg(480, 400, 300);
    const other = await jpeg(481, 400, 300);
    // Either file fits in the quota, the two together do not.
    expect(Math.max(big.length, other.length)).toBeLessThan(1500);
    expect(big.length + other.length).toBeGreaterThan(1500);
    const form = new FormData();
    form.append('name', GUEST);
    for (const [n, bytes] of [big, other].entries()) form.append('file', new Blob([bytes], { type: 'image/jpeg' }), `${n}.jpg`);
    const answer = await fetch(`${small.url}/v1/shared/${link.token}/photos`, { method: 'POST', body: form });
    const body = (await answer.json()) as Problem;
    expect(answer.status).toBe(409);
    expect(body).toMatchObject({ type: 'https://auroravault.dev/problems/quota-exceeded', detail: "These photos do not fit in the album owner's storage; nothing was added" });
    expect(Object.keys(body).sort()).toEqual(['detail', 'status', 'title', 'type']);
    expect((await smallApi.get<{ usage: { bytes: number; photos: number } }>('/v1/me', tight.accessToken)).body.usage).toMatchObject({ bytes: 0, photos: 0 });
    expect(await staged()).toEqual([]);
  } finally {
    await small.close();
  }
});

it('guest uploads are limited per client address', async () => {
  const limited = await startAccountsApp({ RATE_LIMIT_GUEST_UPLOADS_IP_PER_MINUTE: '1', ...keysEnv({ k1: KEYS.k1 }, 'k1') });
  try {
    const link = await collect();
    const left = 60_000 - (Date.now() % 60_000);
    if (left < 10_000) await new Promise((r) => setTimeout(r, left + 50));
    const send = async () => {
      const form = new FormData();
      form.append('name', GUEST);
      form.append('file', new Blob([await jpeg(490)], { type: 'image/jpeg' }), 'x.jpg');
      return fetch(`${limited.url}/v1/shared/${link.token}/photos`, { method: 'POST', body: form });
    };
    expect((await send()).status).toBe(201);
    const refused = await send();
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Reading the link is another budget.
    expect((await openLink(limited.url, link.token)).status).toBe(200);
  } finally {
    await limited.close();
  }
});

it('the page: a form that works without JavaScript, then what was added', async () => {
  const link = await collect();
  const page = await fetch(`${server.url}/s/${link.token}`);
  const html = await page.text();
  expect(page.status).toBe(200);
  expect(html).toContain('<form method="post" enctype="multipart/form-data">');
  expect(html).toContain('<input type="file" name="file" multiple required accept="image/*">');
  expect(html).not.toMatch(/<script|<img/);
  const form = new FormData();
  form.append('name', '<Grace>');
  form.append('file', new Blob([await jpeg(495)], { type: 'image/jpeg' }), 'page<1>.jpg');
  const posted = await fetch(`${server.url}/s/${link.token}`, { method: 'POST', body: form });
  const result = await posted.text();
  expect(posted.status).toBe(200);
  expect(result).toContain('page&lt;1&gt;.jpg: added');
  expect(result).toContain('value="&lt;Grace&gt;"');
  const empty = new FormData();
  empty.append('name', 'Grace');
  const refused = await fetch(`${server.url}/s/${link.token}`, { method: 'POST', body: empty });
  expect(refused.status).toBe(400);
  expect(await refused.text()).toContain('send at least one file part');
});

it('a guest who goes away in the middle of a file leaves nothing behind, and no server error', async () => {
  // The default size limit (100 MiB): the file is cut by the client, not by the limit.
  const roomy = await startAccountsApp(keysEnv({ k1: KEYS.k1 }, 'k1'));
  try {
    const link = await collect();
    const before = await usage();
    const boundary = 'guest-boundary-0123456789';
    const url = new URL(`${roomy.url}/v1/shared/${link.token}/photos`);
    const gone = new Promise<void>((resolve) => {
      const request = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } });
      request.on('error', () => resolve());
      request.on('close', () => resolve());
      request.write(`--${boundary}\r\ncontent-disposition: form-data; name="name"\r\n\r\n${GUEST}\r\n`);
      request.write(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="cut.jpg"\r\ncontent-type: image/jpeg\r\n\r\n`);
      // Past two 5 MiB parts (sent to S3 as a multipart upload), then the connection drops.
      const chunk = Buffer.alloc(1024 * 1024, 7);
      let sent = 0;
      const more = () => {
        while (sent < 12) {
          sent++;
          if (!request.write(chunk)) return void request.once('drain', more);
        }
        setTimeout(() => request.destroy(), 300);
      };
      more();
    });
    await gone;
    // The server notices, aborts the staged upload and deletes what it staged; it keeps answering.
    const refused = await waitUntil(async () => capturedLines().find((line) => line.includes('"request refused"') && line.includes('/problems/validation')));
    expect(JSON.parse(refused)).toMatchObject({ status: 400 });
    expect(await staged()).toEqual([]);
    expect((await openLink(roomy.url, link.token)).status).toBe(200);
    expect(await usage()).toEqual(before);
    expect((await linkOf(link.id)).uploads).toBe(0);
    expect(capturedLines().filter((line) => line.includes('"request failed"'))).toEqual([]);
  } finally {
    await roomy.close();
  }
});

/** This file's captured server log lines (test/helpers/log-capture.ts). */
function capturedLines(): string[] {
  const stem = path.relative(path.resolve(__dirname, '../..'), __filename).replace(/[\\/]/g, '__');
  return fs
    .readdirSync(TEST_LOG_DIR)
    .filter((file) => file.startsWith(`${stem}.${process.pid}`) && file.endsWith('.log.ndjson'))
    .flatMap((file) => fs.readFileSync(path.join(TEST_LOG_DIR, file), 'utf8').split('\n'));
}
