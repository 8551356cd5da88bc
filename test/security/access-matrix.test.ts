import { randomBytes } from 'node:crypto';
import { client, registeredUser, type ApiClient } from '../helpers/accounts.js';
import { jobsSettled, objectsOf, seedPhoto, startLibraryApp, uploadPhoto } from '../helpers/photos.js';
import { item, jpeg, type UploadAnswer } from '../helpers/uploads.js';

/**
 * The access matrix: Bob, signed in, aims every photo, trash and upload route at Ada's photos. Each
 * answer is the same 404 problem a photo that does not exist gets (never a 403, which would confirm the
 * id), and nothing of Ada's changes: her photos as the API shows them, her timeline, her trash, her usage
 * and her objects in S3 are read before and after, with the job Bob's "empty trash" starts run to the end.
 */
jest.setTimeout(90_000);

type User = Awaited<ReturnType<typeof registeredUser>>;

let server: Awaited<ReturnType<typeof startLibraryApp>>;
let api: ApiClient;
let ada: User;
let bob: User;
/** Ada's photos in each state Bob may aim at. */
const adas: Record<'ready' | 'trashed' | 'reserved' | 'uploaded', string> = { ready: '', trashed: '', reserved: '', uploaded: '' };
let adaBytes: Buffer;

beforeAll(async () => {
  server = await startLibraryApp();
  api = client(server.url);
  [ada, bob] = await Promise.all([registeredUser(api, 'access-ada'), registeredUser(api, 'access-bob')]);
  adas.ready = (await seedPhoto(server.app, ada.userId)).photoId;
  adas.trashed = (await seedPhoto(server.app, ada.userId)).photoId;
  expect((await api.delete(`/v1/photos/${adas.trashed}`, ada.accessToken)).status).toBe(204);
  adas.reserved = (await uploadPhoto(api, ada.accessToken, await jpeg(31), { put: false })).photoId;
  // In S3 but not completed yet: a complete by anyone else must not start its processing.
  adaBytes = await jpeg(32);
  adas.uploaded = (await uploadPhoto(api, ada.accessToken, adaBytes, { complete: false })).photoId;
});
afterAll(() => server?.close());

/** Everything of Ada's the API and S3 show (signed URLs aside: they are signed afresh on every read). */
async function adaState() {
  const photos: Record<string, unknown> = {};
  for (const [state, id] of Object.entries(adas)) {
    const answer = await api.get<Record<string, unknown>>(`/v1/photos/${id}`, ada.accessToken);
    const { urls, ...rest } = answer.body;
    photos[state] = { http: answer.status, ...rest, urls: Object.keys((urls as object | undefined) ?? {}).sort() };
  }
  const ids = async (path: string) => {
    const page = await api.get<{ items: { id: string }[] }>(path, ada.accessToken);
    expect(page.status).toBe(200);
    return page.body.items.map((p) => p.id);
  };
  const me = await api.get<{ usage: unknown }>('/v1/me', ada.accessToken);
  return { photos, timeline: await ids('/v1/photos'), trash: await ids('/v1/trash'), usage: me.body.usage, objects: await objectsOf(server.app, ada.userId) };
}

const NOT_FOUND = { status: 404, type: 'https://auroravault.dev/problems/not-found' };

describe("another user's photos, trash and uploads", () => {
  it("Ada's state is what the matrix expects to protect (not vacuous)", async () => {
    const state = await adaState();
    expect(state.timeline).toEqual([adas.ready]);
    expect(state.trash).toEqual([adas.trashed]);
    expect(state.photos).toMatchObject({
      ready: { http: 200, status: 'ready' },
      trashed: { http: 200, trashedAt: expect.any(String) },
      reserved: { http: 200, status: 'uploading' },
      uploaded: { http: 200, status: 'uploading' },
    });
    const sizes = Object.values(state.photos).reduce((sum: number, p) => sum + (p as { size: number }).size, 0);
    expect(state.usage).toMatchObject({ photos: 4, bytes: sizes });
    // Three originals in S3 (the reserved one was never sent) and the seeded photos' derivatives.
    expect(state.objects.filter((key) => key.includes('/photos/'))).toHaveLength(3);
    expect(state.objects.filter((key) => key.includes('/derivatives/'))).toHaveLength(4);
  });

  it('every route Bob aims at one of her photos answers the 404 an unknown id gets, and changes nothing', async () => {
    const before = await adaState();
    const bearer = { authorization: `Bearer ${bob.accessToken}` };
    const send = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${server.url}${path}`, {
        method,
        headers: body === undefined ? bearer : { ...bearer, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, type: response.headers.get('content-type'), body: JSON.parse((await response.text()) || 'null') as Record<string, unknown> };
    };
    const unknownId = randomBytes(16).toString('base64url');
    const calls = (id: string) => [
      ['GET', `/v1/photos/${id}`],
      ['DELETE', `/v1/photos/${id}`],
      ['POST', `/v1/photos/${id}/restore`],
      ['POST', '/v1/uploads/complete', { items: [{ photoId: id }] }],
    ] as const;

    const operations = new Set<string>();
    for (const [state, id] of Object.entries(adas)) {
      for (const [method, path, body] of calls(id)) {
        const answer = await send(method, path, body);
        const control = await send(method, path.replace(id, unknownId), body === undefined ? undefined : { items: [{ photoId: unknownId }] });
        operations.add(`${method} ${path.replace(id, '{id}')}`);
        expect({ state, method, path, status: answer.status, type: answer.type }).toEqual({ state, method, path, status: 404, type: expect.stringMatching(/^application\/problem\+json/) });
        expect(answer.body).toMatchObject(NOT_FOUND);
        // Nothing tells her photo from one that does not exist (the detail names the id Bob sent).
        expect(JSON.stringify({ ...answer.body, instance: undefined }).replaceAll(id, '<id>')).toBe(
          JSON.stringify({ ...control.body, instance: undefined }).replaceAll(unknownId, '<id>'),
        );
      }
    }
    // All of her ids at once, and hers beside one of his own: the whole batch is refused.
    const own = await uploadPhoto(api, bob.accessToken, await jpeg(41), { complete: false });
    expect((await send('POST', '/v1/uploads/complete', { items: Object.values(adas).map((photoId) => ({ photoId })) })).body).toMatchObject(NOT_FOUND);
    expect((await send('POST', '/v1/uploads/complete', { items: [{ photoId: own.photoId }, { photoId: adas.uploaded }] })).body).toMatchObject(NOT_FOUND);

    // His own listings never show hers, and emptying his trash runs to the end without touching hers.
    for (const path of ['/v1/photos', '/v1/trash']) {
      const page = await send('GET', path);
      expect(page.status).toBe(200);
      expect((page.body.items as { id: string }[]).map((p) => p.id)).toEqual([]);
    }
    // His own trash has a photo, so the job is seen doing its work on his data only.
    const his = await seedPhoto(server.app, bob.userId);
    expect((await send('DELETE', `/v1/photos/${his.photoId}`)).status).toBe(204);
    expect((await send('DELETE', '/v1/trash')).status).toBe(202);
    await jobsSettled(server.app);
    expect((await send('GET', `/v1/photos/${his.photoId}`)).status).toBe(404);

    expect(await adaState()).toEqual(before);
    expect([...operations].sort()).toEqual(['DELETE /v1/photos/{id}', 'GET /v1/photos/{id}', 'POST /v1/photos/{id}/restore', 'POST /v1/uploads/complete']);
  });

  it('the same bytes uploaded by Bob are his own photo: no duplicate of hers, no hint that she has them', async () => {
    const reserved = await api.post<{ items: UploadAnswer[] }>('/v1/uploads', { items: [item('same', adaBytes)] }, bob.accessToken);
    expect(reserved.status).toBe(200);
    expect(reserved.body.items[0]).toMatchObject({ status: 'upload' });
    expect(Object.values(adas)).not.toContain(reserved.body.items[0]!.photoId);
  });

  it('covers every library and upload operation of the API', async () => {
    const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, { tags?: string[] }>> };
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([, operation]) => operation.tags?.some((tag) => tag === 'library' || tag === 'uploads'))
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
    // Aimed at her photo ids above; the id-less ones act on the caller's own data only (listings, empty trash, reserve).
    expect(operations.sort()).toEqual([
      'DELETE /v1/photos/{id}',
      'DELETE /v1/trash',
      'GET /v1/photos',
      'GET /v1/photos/{id}',
      'GET /v1/trash',
      'POST /v1/photos/{id}/restore',
      'POST /v1/uploads',
      'POST /v1/uploads/complete',
    ]);
  });
});
