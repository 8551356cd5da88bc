import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { createPresigner } from '../../src/aws/s3-presigner.js';
import { photoKeys } from '../../src/photos/photo-id.js';
import { attachmentDisposition, presignedUrlSigner } from '../../src/photos/url-signer.js';
import { client, registeredUser, startAccountsApp, type ApiClient } from '../helpers/accounts.js';
import { seedPhoto } from '../helpers/photos.js';
import { item, jpeg, sha256Base64, type UploadAnswer } from '../helpers/uploads.js';

/**
 * The URLs the API hands out, turned against it: each one writes (or reads) exactly the object, size,
 * type and checksum it was issued for, with the method it was issued for, until it expires; the local
 * S3 verifies SigV4 as S3 does and refuses anything else. test/aws/s3-presigner.test.ts proves the same
 * of the presigner on its own; this file proves it of what the service really issues.
 */
jest.setTimeout(60_000);

const TTL_SECONDS = 60;
const MIB = 1024 * 1024;

let server: Awaited<ReturnType<typeof startAccountsApp>>;
let api: ApiClient;
let ada: Awaited<ReturnType<typeof registeredUser>>;
let bob: Awaited<ReturnType<typeof registeredUser>>;

beforeAll(async () => {
  server = await startAccountsApp({
    UPLOAD_URL_TTL_SECONDS: String(TTL_SECONDS),
    MULTIPART_THRESHOLD_BYTES: String(5 * MIB),
    MULTIPART_PART_BYTES: String(5 * MIB),
  });
  api = client(server.url);
  [ada, bob] = await Promise.all([registeredUser(api, 'presigned-ada'), registeredUser(api, 'presigned-bob')]);
});
afterAll(() => server?.close());

async function reserve(token: string, bytes: Buffer, contentType = 'image/jpeg'): Promise<UploadAnswer> {
  const answer = await api.post<{ items: UploadAnswer[] }>('/v1/uploads', { items: [item(`ref-${bytes.length}`, bytes, contentType)] }, token);
  expect(answer.status).toBe(200);
  expect(answer.body.items[0]!.status).toBe('upload');
  return answer.body.items[0]!;
}

async function send(url: string, init: RequestInit): Promise<{ status: number; code?: string }> {
  const response = await fetch(url, init);
  const body = Buffer.from(await response.arrayBuffer()).toString();
  return { status: response.status, code: /<Code>([^<]+)<\/Code>/.exec(body)?.[1] };
}

async function objectSize(key: string): Promise<number | undefined> {
  try {
    return (await server.app.aws.s3.send(new HeadObjectCommand({ Bucket: server.app.resources.bucket, Key: key }))).ContentLength;
  } catch (error) {
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return undefined;
    throw error;
  }
}

/** The same URL aimed at another object of the bucket (path-style: /<bucket>/<key>). */
function withKey(url: string, key: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${server.app.resources.bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
  return parsed.toString();
}

function withParam(url: string, name: string, value: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set(name, value);
  return parsed.toString();
}

describe('a single-PUT upload URL', () => {
  let bytes: Buffer;
  let answer: UploadAnswer;
  let key: string;

  beforeAll(async () => {
    bytes = await jpeg(51);
    answer = await reserve(ada.accessToken, bytes);
    key = photoKeys.original(ada.userId, answer.photoId);
    expect(new URL(answer.upload!.url!).pathname).toBe(`/${server.app.resources.bucket}/${key}`);
  });

  it('writes no other object: not her other photos, not their derivatives, not another user', async () => {
    const [other, bobs] = await Promise.all([reserve(ada.accessToken, await jpeg(52)), reserve(bob.accessToken, await jpeg(53))]);
    const targets = [
      photoKeys.original(ada.userId, other.photoId),
      photoKeys.thumbnail(ada.userId, answer.photoId),
      photoKeys.preview(ada.userId, answer.photoId),
      photoKeys.original(bob.userId, bobs.photoId),
      `users/${ada.userId}/photos/${answer.photoId}x`,
    ];
    for (const target of targets) {
      const refused = await send(withKey(answer.upload!.url!, target), { method: 'PUT', headers: answer.upload!.headers, body: bytes });
      expect({ target, ...refused }).toEqual({ target, status: 403, code: 'SignatureDoesNotMatch' });
      expect({ target, size: await objectSize(target) }).toEqual({ target, size: undefined });
    }
  });

  it('takes no other size, type or checksum, and no change to its own parameters', async () => {
    const headers = answer.upload!.headers!;
    const { 'content-length': _length, ...withoutLength } = headers;
    const { 'x-amz-checksum-sha256': _checksum, ...withoutChecksum } = headers;
    const attempts: Record<string, RequestInit & { url?: string }> = {
      'a larger body': { headers: withoutLength, body: Buffer.concat([bytes, randomBytes(1)]) },
      'a smaller body': { headers: withoutLength, body: bytes.subarray(1) },
      'another type (SVG)': { headers: { ...headers, 'content-type': 'image/svg+xml' }, body: bytes },
      'another type (HTML)': { headers: { ...headers, 'content-type': 'text/html' }, body: bytes },
      'another checksum': { headers: { ...headers, 'x-amz-checksum-sha256': sha256Base64(randomBytes(8)) }, body: bytes },
      'no checksum': { headers: withoutChecksum, body: bytes },
      'a longer expiry': { url: withParam(answer.upload!.url!, 'X-Amz-Expires', '604800'), headers, body: bytes },
      'a later signing date': { url: withParam(answer.upload!.url!, 'X-Amz-Date', '20991231T000000Z'), headers, body: bytes },
    };
    for (const [name, { url, ...init }] of Object.entries(attempts)) {
      const refused = await send(url ?? answer.upload!.url!, { method: 'PUT', ...init });
      expect({ name, status: refused.status }).toEqual({ name, status: 403 });
    }
    expect(await objectSize(key)).toBeUndefined();
  });

  it('is for PUT only: once the photo is there, the URL neither reads nor deletes it', async () => {
    expect((await send(answer.upload!.url!, { method: 'PUT', headers: answer.upload!.headers, body: bytes })).status).toBe(200);
    expect(await objectSize(key)).toBe(bytes.length);
    for (const method of ['GET', 'HEAD', 'DELETE']) {
      const refused = await send(answer.upload!.url!, { method });
      expect({ method, status: refused.status }).toEqual({ method, status: 403 });
    }
    expect(await objectSize(key)).toBe(bytes.length);
  });

  it('expires after the configured time: the very request the API signed, TTL + 1 s later, is refused', async () => {
    const fresh = await reserve(ada.accessToken, await jpeg(54));
    const url = new URL(fresh.upload!.url!);
    expect(url.searchParams.get('X-Amz-Expires')).toBe(String(TTL_SECONDS));
    const signedAt = Date.parse(url.searchParams.get('X-Amz-Date')!.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
    expect(Date.parse(fresh.upload!.expiresAt)).toBeGreaterThanOrEqual(signedAt + TTL_SECONDS * 1000 - 1000);
    expect(Date.parse(fresh.upload!.expiresAt)).toBeLessThanOrEqual(signedAt + TTL_SECONDS * 1000 + 1000);

    // The app's presigner, with its clock moved: at the API's signing time it gives back the API's URL
    // byte for byte, so the expired copy differs from it only by time.
    const s3 = server.app.aws.s3;
    const presignerAt = (now: number) =>
      createPresigner({ endpoint: server.app.config.aws.endpoints.s3, region: server.app.config.region, bucket: server.app.resources.bucket, credentials: () => s3.config.credentials(), now: () => now });
    const headers = fresh.upload!.headers!;
    const request = {
      key: decodeURIComponent(url.pathname.split('/').slice(2).join('/')),
      contentType: headers['content-type']!,
      contentLength: Number(headers['content-length']),
      sha256Base64: headers['x-amz-checksum-sha256']!,
      expiresInSeconds: TTL_SECONDS,
    };
    expect((await presignerAt(signedAt).presignPut(request)).url).toBe(fresh.upload!.url);
    const expired = await presignerAt(Date.now() - (TTL_SECONDS + 1) * 1000).presignPut(request);
    const refused = await send(expired.url, { method: 'PUT', headers: expired.headers, body: await jpeg(54) });
    expect([refused.status, refused.code]).toEqual([403, 'AccessDenied']);
    expect(await objectSize(request.key)).toBeUndefined();
  });
});

describe('multipart part URLs', () => {
  it('each writes its own part of its own upload, at its signed size only', async () => {
    const bytes = randomBytes(6 * MIB);
    const answer = await reserve(ada.accessToken, bytes);
    const multipart = answer.upload!.multipart!;
    expect(multipart.parts.map((p) => p.partNumber)).toEqual([1, 2]);
    const [first, second] = multipart.parts as [{ partNumber: number; url: string }, { partNumber: number; url: string }];
    const firstPart = bytes.subarray(0, 5 * MIB);
    const attempts: Record<string, { url: string; body: Buffer }> = {
      'part 1 sent as part 3': { url: withParam(first.url, 'partNumber', '3'), body: firstPart },
      "part 2's URL with part 1's bytes (another size)": { url: second.url, body: firstPart },
      'a part one byte larger': { url: first.url, body: Buffer.concat([firstPart, randomBytes(1)]) },
      'another upload id': { url: withParam(first.url, 'uploadId', `${multipart.uploadId}x`), body: firstPart },
      "another user's key": { url: withKey(first.url, photoKeys.original(bob.userId, answer.photoId)), body: firstPart },
    };
    for (const [name, { url, body }] of Object.entries(attempts)) {
      const refused = await send(url, { method: 'PUT', body });
      expect({ name, status: refused.status }).toEqual({ name, status: 403 });
    }
    // The URLs as issued still work: the refusals were about the changes, not the URLs.
    expect((await send(first.url, { method: 'PUT', body: firstPart })).status).toBe(200);
  });
});

describe('photo GET URLs', () => {
  it("read only the object they were signed for: not another of her objects, nor another user's", async () => {
    const [hers, other, his] = await Promise.all([seedPhoto(server.app, ada.userId), seedPhoto(server.app, ada.userId), seedPhoto(server.app, bob.userId)]);
    const photo = await api.get<{ urls: Record<string, string> }>(`/v1/photos/${hers.photoId}`, ada.accessToken);
    expect(photo.status).toBe(200);
    const original = photo.body.urls.original!;
    expect((await send(original, {})).status).toBe(200);
    for (const target of [other.s3Key, photoKeys.thumbnail(ada.userId, other.photoId), his.s3Key]) {
      const refused = await send(withKey(original, target), {});
      expect({ target, status: refused.status }).toEqual({ target, status: 403 });
    }
    for (const method of ['PUT', 'DELETE']) {
      const refused = await send(original, { method, body: method === 'PUT' ? Buffer.from('overwritten') : undefined });
      expect({ method, status: refused.status }).toEqual({ method, status: 403 });
    }
    expect(await objectSize(hers.s3Key)).toBe(hers.size);
  });
});

describe('object-scoped GET URLs (what album members and link holders get)', () => {
  /** A GET with the URL's path and query sent exactly as written: no client-side dot-segment resolution. */
  function rawGet(url: string): Promise<{ status: number; body: Buffer; disposition?: string }> {
    const { origin, hostname, port } = new URL(url);
    return new Promise((resolve, reject) => {
      const request = http.request({ hostname, port, path: url.slice(origin.length), method: 'GET' }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode!, body: Buffer.concat(chunks), disposition: response.headers['content-disposition'] }));
        response.on('error', reject);
      });
      request.on('error', reject);
      request.end();
    });
  }

  it("open their one object under their one name, whatever is edited in the path or the query; the cache never hands out more", async () => {
    const [hers, other, his] = await Promise.all([seedPhoto(server.app, ada.userId), seedPhoto(server.app, ada.userId), seedPhoto(server.app, bob.userId)]);
    const signer = presignedUrlSigner(server.app.presigner);
    const now = new Date();
    const name = 'Été (1).jpg';
    // The owner's URL first, so the object caller is answered from the cache: the same one-key URL.
    const owners = await signer.signGet(hers.s3Key, now, name);
    const shared = await signer.signGet(hers.s3Key, now, name, 'object');
    expect(shared).toBe(owners);
    const thumbnail = await signer.signGet(photoKeys.thumbnail(ada.userId, hers.photoId), now, undefined, 'object');
    const bucketPath = `/${server.app.resources.bucket}/`;
    expect(new URL(shared).pathname).toBe(`${bucketPath}${hers.s3Key}`);

    const issued = await rawGet(shared);
    expect([issued.status, issued.body.length, issued.disposition]).toEqual([200, hers.size, attachmentDisposition(name)]);
    expect((await rawGet(thumbnail)).status).toBe(200);

    const origin = new URL(shared).origin;
    const query = shared.slice(shared.indexOf('?'));
    const thumbnailQuery = thumbnail.slice(thumbnail.indexOf('?'));
    const at = (path: string, q = query) => `${origin}${bucketPath}${path}${q}`;
    const edits: Record<string, string> = {
      'another photo of hers': at(other.s3Key),
      'her preview, from the thumbnail URL': at(photoKeys.preview(ada.userId, hers.photoId), thumbnailQuery),
      'her original, from the thumbnail URL': at(hers.s3Key, thumbnailQuery),
      "another user's photo": at(his.s3Key),
      'a longer key': at(`${hers.s3Key}x`),
      'a dot segment to another photo, raw': at(`${hers.s3Key}/../${other.photoId}`),
      'a dot segment percent-encoded': at(`${hers.s3Key}/%2E%2E/${other.photoId}`),
      'a parameter appended': `${shared}&response-content-type=text%2Fhtml`,
      'another download name': shared.replace(/response-content-disposition=[^&]+/, 'response-content-disposition=attachment%3B%20filename%3D%22evil.html%22'),
      'the download name taken out': shared.replace(/response-content-disposition=[^&]+&/, ''),
      'a later expiry': shared.replace(/X-Amz-Expires=\d+/, 'X-Amz-Expires=604800'),
    };
    for (const [edit, url] of Object.entries(edits)) {
      expect({ edit, changed: url !== shared }).toEqual({ edit, changed: true });
      const answer = await rawGet(url);
      const code = /<Code>([^<]+)<\/Code>/.exec(answer.body.toString())?.[1];
      expect({ edit, status: answer.status, code }).toEqual({ edit, status: 403, code: 'SignatureDoesNotMatch' });
    }
    // The same key spelled with percent-escapes is the same object: S3 signs the decoded key, re-encoded.
    const respelled = await rawGet(at(hers.s3Key.replace('photos/', '%70hotos/')));
    expect([respelled.status, respelled.body.equals(issued.body)]).toEqual([200, true]);
  });
});
