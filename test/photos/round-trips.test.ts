import type { FastifyInstance } from 'fastify';
import { keys } from '../../src/data/keys.js';
import { photoKeys } from '../../src/photos/photo-id.js';
import { client, registeredUser, type ApiClient } from '../helpers/accounts.js';
import { seedPhoto, startLibraryApp } from '../helpers/photos.js';

/**
 * The hot routes' DynamoDB round trips, counted on the real app's client while the real HTTP API
 * answers (on the wire, whichever of the app's DynamoDB clients sends them): one for a timeline page (60 photos), one for a photo, one for the profile. A second one
 * coming back (a per-photo read, a BatchGet to fill the page, a profile read beside the query)
 * fails here. Counted: every command whose input names the user, in the time between sending the
 * request and reading the answer (this app runs no workers and no sweeps). Not counted: the
 * per-request revocation read authenticate() made before the revocation feed (docs/security.md).
 */
jest.setTimeout(60_000);

type User = Awaited<ReturnType<typeof registeredUser>>;
interface Page {
  items: { id: string; urls: Record<string, string> }[];
  nextCursor: string | null;
}

let running: Awaited<ReturnType<typeof startLibraryApp>>;
let api: ApiClient;
let ada: User;
const calls: { command: string; input: string }[] = [];

/**
 * Counted on the wire: every DynamoDB request the app's clients send goes through one request handler
 * (the document client's and the hot reads' client share it, src/aws/dynamodb.ts). The operation comes from
 * the X-Amz-Target header, the input is the request's JSON body.
 */
function countRoundTrips(app: FastifyInstance) {
  const handler = app.aws.dynamo.config.requestHandler as unknown as { handle(request: { headers: Record<string, string>; body?: unknown }, options?: unknown): Promise<unknown> };
  const handle = handler.handle.bind(handler);
  handler.handle = (request, options) => {
    const operation = request.headers['x-amz-target']?.split('.').pop() ?? '?';
    calls.push({ command: `${operation}Command`, input: String(request.body) });
    return handle(request, options);
  };
}

/** The commands one request made for `user` (its revocation check aside). */
async function roundTrips<T>(user: User, request: () => Promise<T>): Promise<{ answer: T; commands: string[] }> {
  calls.length = 0;
  const answer = await request();
  const revocationCheck = `"${keys.tokenRevocation(user.userId).SK}"`;
  const commands = calls.filter((c) => c.input.includes(user.userId) && !c.input.includes(revocationCheck)).map((c) => c.command);
  return { answer, commands };
}

beforeAll(async () => {
  running = await startLibraryApp({ WORKER_CONCURRENCY: '0' });
  api = client(running.url);
  ada = await registeredUser(api, 'round-trips');
  const start = Date.parse('2026-05-01T12:00:00.000Z');
  // 61 ready photos: a full page of 60 and one more, so the page has a next cursor. The newest has
  // every optional field (location, exif) the listing must show.
  for (let batch = 1; batch < 61; batch += 8) {
    await Promise.all(
      Array.from({ length: Math.min(8, 61 - batch) }, (_, i) => seedPhoto(running.app, ada.userId, { takenAt: new Date(start - (batch + i) * 60_000).toISOString() })),
    );
  }
  const located = await seedPhoto(running.app, ada.userId, { status: 'processing' });
  const takenAt = new Date(start + 60_000).toISOString();
  const derivatives = { thumbnail: photoKeys.thumbnail(ada.userId, located.photoId), preview: photoKeys.preview(ada.userId, located.photoId) };
  const ready = { width: 800, height: 600, takenAt, takenAtUtc: takenAt, thumbhash: 'HBkSHYSIeHiPiHh8eJd4eTN0EEQG', derivatives, contentType: 'image/jpeg' };
  await running.app.photos.repository.markReady(located, { ...ready, exif: { Make: 'Test', ISO: 100 }, location: { lat: 48.85, lon: 2.35, alt: 35 } });
  await running.app.photos.repository.finishPipeline({ ...located, status: 'ready' });
  countRoundTrips(running.app);
});

afterAll(async () => {
  await running?.close();
});

describe('DynamoDB round trips of the hot routes', () => {
  it('a timeline page of 60 photos, and the next page from its cursor, take one Query each', async () => {
    const first = await roundTrips(ada, () => api.get<Page>('/v1/photos?limit=60', ada.accessToken));
    expect(first.answer.status).toBe(200);
    expect(first.answer.body.items).toHaveLength(60);
    expect(first.answer.body.items.every((p) => p.urls.original && p.urls.thumbnail && p.urls.preview)).toBe(true);
    expect(first.commands).toEqual(['QueryCommand']);
    // A listing reads fewer attributes than a detail, and shows each photo exactly as its detail does.
    for (const item of first.answer.body.items.slice(0, 3)) expect((await api.get(`/v1/photos/${item.id}`, ada.accessToken)).body).toEqual(item);
    expect(first.answer.body.items[0]).toMatchObject({ location: { lat: 48.85, lon: 2.35, alt: 35 }, exif: { Make: 'Test', ISO: 100 } });

    const cursor = encodeURIComponent(first.answer.body.nextCursor!);
    const second = await roundTrips(ada, () => api.get<Page>(`/v1/photos?limit=60&cursor=${cursor}`, ada.accessToken));
    expect(second.answer.body.items).toHaveLength(1);
    expect(second.answer.body.nextCursor).toBeNull();
    expect(second.commands).toEqual(['QueryCommand']);
  });

  it("a photo's detail takes one GetItem", async () => {
    const page = await api.get<Page>('/v1/photos?limit=1', ada.accessToken);
    const id = page.body.items[0]!.id;
    const detail = await roundTrips(ada, () => api.get<{ id: string }>(`/v1/photos/${id}`, ada.accessToken));
    expect(detail.answer.status).toBe(200);
    expect(detail.answer.body.id).toBe(id);
    expect(detail.commands).toEqual(['GetItemCommand']);
  });

  it('an unknown photo is a 404 after that one GetItem', async () => {
    const missing = await roundTrips(ada, () => api.get('/v1/photos/no-such-photo', ada.accessToken));
    expect(missing.answer.status).toBe(404);
    expect(missing.commands).toEqual(['GetItemCommand']);
  });

  it('the profile with its usage takes one GetItem', async () => {
    const me = await roundTrips(ada, () => api.get<{ usage: { photos: number } }>('/v1/me', ada.accessToken));
    expect(me.answer.status).toBe(200);
    expect(me.answer.body.usage.photos).toBe(61);
    expect(me.commands).toEqual(['GetItemCommand']);
  });

  it('the trash takes one Query, and shows a photo as its detail does', async () => {
    const page = await api.get<Page>('/v1/photos?limit=1', ada.accessToken);
    const id = page.body.items[0]!.id;
    expect((await api.delete(`/v1/photos/${id}`, ada.accessToken)).status).toBe(204);
    const trash = await roundTrips(ada, () => api.get<Page>('/v1/trash', ada.accessToken));
    expect(trash.answer.status).toBe(200);
    expect(trash.commands).toEqual(['QueryCommand']);
    expect(trash.answer.body.items).toEqual([(await api.get(`/v1/photos/${id}`, ada.accessToken)).body]);
    expect(trash.answer.body.items[0]).toHaveProperty('trashedAt');
  });
});
