import { client, registeredUser, type ApiClient } from '../helpers/accounts.js';
import { registerSecret } from '../helpers/log-capture.js';
import { jobsSettled, seedPhoto, startLibraryApp } from '../helpers/photos.js';
import { jpeg } from '../helpers/uploads.js';

/**
 * The share link matrix: every public route of the OpenAPI document (a route without a row fails) x every
 * kind of link a person without an account can hold: a live view link, a live collect link, and each of
 * them revoked. Each cell answers its status, a revoked link the very 404 a forged token gets, and a
 * refused request changes nothing of the owner's: the album, its photos, the owner's usage and the links'
 * upload counts are read before and after. (Album routes x signed-in roles: sharing-matrix.test.ts.)
 */
jest.setTimeout(120_000);

const HOLDERS = ['view', 'collect', 'revokedView', 'revokedCollect'] as const;
type Holder = (typeof HOLDERS)[number];

interface Answer {
  status: number;
  type: string;
  text: string;
}

interface Row {
  expect: Record<Holder, number>;
  /** What an allowed answer must say. */
  check?: (holder: Holder, answer: Answer) => void;
}

const OPEN_TO_LIVE = { view: 200, collect: 200, revokedView: 404, revokedCollect: 404 };

let server: Awaited<ReturnType<typeof startLibraryApp>>;
let api: ApiClient;
let owner: Awaited<ReturnType<typeof registeredUser>>;
let albumId: string;
let inAlbum: string;
let outside: string;
const tokens = {} as Record<Holder, string>;
let seed = 700;

/** A guest's form: a name and one new photo (as a browser or curl sends it). */
async function guestForm(): Promise<FormData> {
  const form = new FormData();
  form.append('name', 'Matrix Guest');
  form.append('file', new Blob([await jpeg(seed++)], { type: 'image/jpeg' }), 'guest.jpg');
  return form;
}

async function send(method: 'GET' | 'POST', path: string, body?: FormData): Promise<Answer> {
  const response = await fetch(`${server.url}${path}`, { method, body });
  return { status: response.status, type: response.headers.get('content-type') ?? '', text: await response.text() };
}

const rows: Record<string, Row & { request: (holder: Holder) => Promise<FormData | undefined> }> = {
  getSharedAlbum: {
    expect: OPEN_TO_LIVE,
    request: async () => undefined,
    check: (holder, answer) => {
      const body = JSON.parse(answer.text) as { kind: string; photos?: { items: { id: string }[] } };
      expect(body.kind).toBe(holder);
      // A view link shows exactly the album's photos; a collect link shows none.
      if (holder === 'view') expect(body.photos!.items.map((p) => p.id)).toEqual([inAlbum]);
      else expect(body).not.toHaveProperty('photos');
    },
  },
  uploadGuestPhotos: {
    expect: { view: 403, collect: 201, revokedView: 404, revokedCollect: 404 },
    request: guestForm,
    check: (_holder, answer) => expect(JSON.parse(answer.text)).toMatchObject({ items: [{ status: 'added' }] }),
  },
  getSharePage: {
    expect: OPEN_TO_LIVE,
    request: async () => undefined,
    check: (holder, answer) => {
      expect(answer.type).toMatch(/^text\/html/);
      if (holder === 'view') expect(answer.text).toContain('<img');
      else expect(answer.text).toContain('type="file"');
    },
  },
  // The view page's form posts fields only (its password, its next page); the others post a guest's upload.
  postSharePage: {
    expect: OPEN_TO_LIVE,
    request: async (holder) => (holder === 'view' ? new FormData() : guestForm()),
    check: (_holder, answer) => expect(answer.type).toMatch(/^text\/html/),
  },
};

/** What the matrix protects, as the owner sees it. */
async function ownerState() {
  const album = await api.get<Record<string, unknown>>(`/v1/albums/${albumId}`, owner.accessToken);
  const photos = await api.get<{ items: { id: string }[] }>(`/v1/albums/${albumId}/photos`, owner.accessToken);
  const links = await api.get<{ items: { id: string; uploads?: number; revokedAt?: string }[] }>(`/v1/albums/${albumId}/links`, owner.accessToken);
  const me = await api.get<{ usage: unknown }>('/v1/me', owner.accessToken);
  return {
    album: { status: album.status, photoCount: album.body.photoCount },
    photos: photos.body.items.map((p) => p.id),
    links: links.body.items.map((l) => ({ id: l.id, uploads: l.uploads, revokedAt: l.revokedAt })),
    usage: me.body.usage,
  };
}

async function publicOperations(): Promise<{ operationId: string; method: 'GET' | 'POST'; path: string }[]> {
  const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, { operationId: string }>> };
  return Object.entries(document.paths)
    .filter(([path]) => path.startsWith('/v1/shared/') || path.startsWith('/s/'))
    .flatMap(([path, operations]) => Object.entries(operations).map(([method, op]) => ({ operationId: op.operationId, method: method.toUpperCase() as 'GET' | 'POST', path })));
}

beforeAll(async () => {
  server = await startLibraryApp();
  api = client(server.url);
  owner = await registeredUser(api, 'link-matrix-owner');
  inAlbum = (await seedPhoto(server.app, owner.userId)).photoId;
  outside = (await seedPhoto(server.app, owner.userId)).photoId;
  albumId = (await api.post<{ id: string }>('/v1/albums', { name: 'Link matrix' }, owner.accessToken)).body.id;
  expect((await api.post(`/v1/albums/${albumId}/photos`, { photoIds: [inAlbum] }, owner.accessToken)).status).toBe(200);
  for (const holder of HOLDERS) {
    const kind = holder === 'view' || holder === 'revokedView' ? 'view' : 'collect';
    const link = await api.post<{ id: string; token: string }>(`/v1/albums/${albumId}/links`, { kind }, owner.accessToken);
    expect(link.status).toBe(201);
    registerSecret('share link token', link.body.token);
    tokens[holder] = link.body.token;
    if (holder.startsWith('revoked')) expect((await api.delete(`/v1/albums/${albumId}/links/${link.body.id}`, owner.accessToken)).status).toBe(204);
  }
});
afterAll(() => server?.close());

it('every public route of the OpenAPI document has a row (a new route must join the matrix)', async () => {
  const operations = (await publicOperations()).map((op) => op.operationId);
  expect(operations.filter((id) => !(id in rows))).toEqual([]);
  expect(operations.sort()).toEqual(Object.keys(rows).sort());
});

it('each cell answers its status; a revoked link is the 404 a forged token gets; a refused request changes nothing', async () => {
  const failures: string[] = [];
  const forged = `${tokens.view.slice(0, -4)}AAAA`;
  for (const op of await publicOperations()) {
    const row = rows[op.operationId]!;
    for (const holder of HOLDERS) {
      const cell = `${op.method} ${op.path} with a ${holder} link`;
      const before = await ownerState();
      const answer = await send(op.method, op.path.replace('{token}', tokens[holder]), await row.request(holder));
      const expected = row.expect[holder];
      if (answer.status !== expected) {
        failures.push(`${cell}: ${answer.status}, expected ${expected} (${answer.text.slice(0, 160)})`);
        continue;
      }
      if (expected < 300) {
        try {
          row.check?.(holder, answer);
        } catch (error) {
          failures.push(`${cell}: ${(error as Error).message.split('\n').slice(0, 6).join(' ')}`);
        }
        // An allowed upload changes the album once processed: settle before the next cell's reading.
        await jobsSettled(server.app);
        continue;
      }
      if (expected === 404) {
        const other = await send(op.method, op.path.replace('{token}', forged), await row.request(holder));
        if (other.status !== 404 || other.text !== answer.text) failures.push(`${cell}: its 404 differs from a forged token's (${other.status})`);
      }
      const after = await ownerState();
      if (JSON.stringify(after) !== JSON.stringify(before)) failures.push(`${cell}: changed the owner's state: ${JSON.stringify(before)} -> ${JSON.stringify(after)}`);
    }
  }
  expect(failures).toEqual([]);
});

it('what the matrix protects was there to protect, and the allowed uploads did land (not vacuous)', async () => {
  const state = await ownerState();
  expect(state.album).toEqual({ status: 200, photoCount: 3 });
  // The photo outside the album stayed outside; the two guest photos (API and form) joined it.
  expect(state.photos).toContain(inAlbum);
  expect(state.photos).not.toContain(outside);
  expect(state.photos).toHaveLength(3);
  expect(state.links.filter((l) => l.revokedAt !== undefined)).toHaveLength(2);
});
