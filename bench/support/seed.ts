import { client, registeredUser, waitUntil, type ApiClient } from '../../test/helpers/accounts.js';
import { inParallel } from '../../test/helpers/parallel.js';
import { item, jpeg, put, type UploadAnswer } from '../../test/helpers/uploads.js';

/**
 * Users with real libraries, made through the real API as the app makes them: sign-up, the code from the local
 * mail (/_dev/mail), confirmation and login (the test helpers' registeredUser), then batches of small real JPEGs:
 * POST /v1/uploads, a PUT of each to its presigned URL, POST /v1/uploads/complete, until the timeline lists every
 * photo processed.
 */
export interface SeededUser {
  userId: string;
  accessToken: string;
  /** Every photo of the user's timeline, processed (status ready). */
  photoIds: string[];
}

/**
 * Photos per upload batch, and libraries uploaded at once: kept under the API's per-dependency bounds on a busy
 * 2-core machine (50 completes at once from 4 users had SQS enqueues refused, leaving photos to the
 * reconciliation sweep minutes later).
 */
const BATCH = 25;
const LIBRARIES_AT_ONCE = 3;

/** The API client of the tests, retrying a shed request (503 or 429) after its Retry-After, as the app does. */
function retryingClient(baseUrl: string): ApiClient {
  const api = client(baseUrl);
  const retry =
    <A extends unknown[], R extends { status: number; headers: Headers }>(call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      for (let attempt = 1; ; attempt++) {
        const response = await call(...args);
        if ((response.status !== 503 && response.status !== 429) || attempt >= 20) return response;
        const seconds = Number(response.headers.get('retry-after') ?? 1);
        await new Promise((resolve) => setTimeout(resolve, Math.min(10, seconds) * 1000 * (0.5 + Math.random())));
      }
    };
  return { get: retry(api.get), post: retry(api.post), delete: retry(api.delete) } as ApiClient;
}

/** The ids on every page of the user's timeline. */
export async function timelineIds(api: ApiClient, token: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const page = await api.get<{ items: { id: string }[]; nextCursor: string | null }>(`/v1/photos?limit=100${query}`, token);
    if (page.status !== 200) throw new Error(`timeline: ${page.status} ${JSON.stringify(page.body)}`);
    ids.push(...page.body.items.map((p) => p.id));
    cursor = page.body.nextCursor;
  } while (cursor);
  return ids;
}

async function uploadLibrary(api: ApiClient, token: string, photos: number): Promise<string[]> {
  for (let first = 0; first < photos; first += BATCH) {
    const seeds = Array.from({ length: Math.min(BATCH, photos - first) }, (_, i) => first + i);
    // Pixels depend on the seed (below 256 they differ), so each upload is a new photo, not a duplicate.
    const bytes = await Promise.all(seeds.map((seed) => jpeg(seed, 96, 72)));
    const request = await api.post<{ items: UploadAnswer[] }>('/v1/uploads', { items: seeds.map((seed, i) => item(`p${seed}`, bytes[i]!)) }, token);
    if (request.status !== 200) throw new Error(`uploads: ${request.status} ${JSON.stringify(request.body)}`);
    const toSend = request.body.items.filter((answer) => answer.status === 'upload');
    await inParallel(toSend, 8, async (answer) => {
      const status = await put(answer, bytes[seeds.indexOf(Number(answer.clientRef.slice(1)))]!);
      if (status !== 200) throw new Error(`PUT to the bucket: ${status}`);
    });
    if (toSend.length > 0) {
      const complete = await api.post('/v1/uploads/complete', { items: toSend.map((answer) => ({ photoId: answer.photoId })) }, token);
      if (complete.status !== 200) throw new Error(`complete: ${complete.status} ${JSON.stringify(complete.body)}`);
    }
  }
  // Processed: the timeline lists only ready photos.
  return waitUntil(async () => {
    const ids = await timelineIds(api, token);
    return ids.length >= photos ? ids : undefined;
  }, 120_000 + photos * 2000);
}

/** `users` accounts with `photos` processed photos each (at most 256: the seeds make the pixels differ). */
export async function seedUsers(baseUrl: string, users: number, photos: number, log: (line: string) => void): Promise<SeededUser[]> {
  if (photos > 256) throw new Error('at most 256 photos per user');
  const api = retryingClient(baseUrl);
  const started = Date.now();
  const accounts = await inParallel(Array.from({ length: users }, (_, i) => i), 4, (i) => registeredUser(api, `bench${i}`));
  log(`${users} users signed up, confirmed and logged in (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  let done = 0;
  const seeded = await inParallel(accounts, LIBRARIES_AT_ONCE, async (account) => {
    const photoIds = await uploadLibrary(api, account.accessToken, photos);
    if (++done % 5 === 0 || done === users) log(`  ${done}/${users} libraries uploaded and processed (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    return { userId: account.userId, accessToken: account.accessToken, photoIds };
  });
  return seeded;
}
