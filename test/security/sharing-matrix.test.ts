import { client, registeredUser, type ApiClient } from '../helpers/accounts.js';
import { registerCallSecrets } from '../helpers/log-capture.js';
import { jobsSettled, seedPhoto, startLibraryApp } from '../helpers/photos.js';

/**
 * The sharing matrix: every album route the OpenAPI document lists under /v1/albums (so a new route
 * cannot be forgotten: one without a row here fails the test) x every role a signed-in user can have
 * in an album: owner, contributor, viewer, non-member, removed member. Each cell gets the status the
 * contract gives it (docs/sharing.md: 404 for a non-member and a removed member, the very answer an
 * unknown album gets; 403 where the role lacks the right), and nothing changes: the album, its photos,
 * its members and its links are read before and after each cell. The owner's cells that do write
 * (a role re-granted, a link created or revoked) write nothing the matrix protects, but what they say.
 */
jest.setTimeout(120_000);

type User = Awaited<ReturnType<typeof registeredUser>>;
const ROLES = ['owner', 'contributor', 'viewer', 'nonMember', 'removedMember'] as const;
type Role = (typeof ROLES)[number];
type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

interface Answer {
  status: number;
  body: Record<string, unknown> | null;
}

interface Request {
  /** Values of the path's parameters other than albumId. */
  params?: Record<string, string>;
  body?: unknown;
}

interface Row {
  /** The status each role gets. */
  expect: Record<Role, number>;
  /** The request each role sends: for a denied role, one that would change something if it were let through. */
  request: (role: Role) => Request | Promise<Request>;
  /** What an allowed answer must say. */
  check?: (role: Role, answer: Answer) => void;
  /** Parts of the state an owner's allowed call changes legitimately. */
  ownerChanges?: ('updatedAt' | 'links')[];
}

const MEMBERS_ONLY = { owner: 200, contributor: 200, viewer: 200, nonMember: 404, removedMember: 404 };
const OWNER_ONLY = (ok: number) => ({ owner: ok, contributor: 403, viewer: 403, nonMember: 404, removedMember: 404 });
const ANY_USER = (ok: number) => ({ owner: ok, contributor: ok, viewer: ok, nonMember: ok, removedMember: ok });

let server: Awaited<ReturnType<typeof startLibraryApp>>;
let api: ApiClient;
const users = {} as Record<Role, User>;
let albumId: string;
/** Each role's own ready photo; the owner's and contributor's are in the album, the owner has a second one outside it. */
const own = {} as Record<Role, string>;
let ownerOutside: string;
let linkId: string | undefined;
let hasLinks = false;

async function send(method: Method, path: string, token: string, body?: unknown): Promise<Answer> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const answer = (text ? JSON.parse(text) : null) as Record<string, unknown> | null;
  registerCallSecrets(token, body, answer);
  return { status: response.status, body: answer };
}

const ids = (answer: Answer) => ((answer.body?.items ?? []) as { id: string }[]).map((item) => item.id);

const rows: Record<string, Row> = {
  createAlbum: { expect: ANY_USER(201), request: () => ({ body: { name: 'Their own' } }), check: (_role, a) => expect(a.body?.id).not.toBe(albumId) },
  listAlbums: { expect: ANY_USER(200), request: () => ({}), check: (role, a) => expect(ids(a).includes(albumId)).toBe(role === 'owner') },
  listSharedAlbums: {
    expect: ANY_USER(200),
    request: () => ({}),
    check: (role, a) => expect(ids(a).includes(albumId)).toBe(role === 'contributor' || role === 'viewer'),
  },
  getAlbum: { expect: MEMBERS_ONLY, request: () => ({}), check: (role, a) => expect(a.body).toMatchObject({ id: albumId, role }) },
  // A denied rename would show; the owner renames to the same name.
  updateAlbum: { expect: OWNER_ONLY(200), request: (role) => ({ body: { name: role === 'owner' ? 'Matrix' : `Renamed by ${role}` } }), ownerChanges: ['updatedAt'] },
  // The owner's own delete runs last (below).
  deleteAlbum: { expect: OWNER_ONLY(204), request: () => ({}) },
  listAlbumPhotos: { expect: MEMBERS_ONLY, request: () => ({}), check: (_role, a) => expect(ids(a).sort()).toEqual([own.owner, own.contributor].sort()) },
  // Each role adds its own ready photo; the owner's and the contributor's are in already.
  addAlbumPhotos: {
    expect: { owner: 200, contributor: 200, viewer: 403, nonMember: 404, removedMember: 404 },
    request: (role) => ({ body: { photoIds: [own[role]] } }),
    check: (role, a) => expect(a.body?.results).toEqual([{ photoId: own[role], result: 'already' }]),
  },
  // Denied roles aim at the owner's photo; the owner removes one that is not in the album, the contributor is refused the owner's.
  removeAlbumPhotos: {
    expect: { owner: 200, contributor: 200, viewer: 403, nonMember: 404, removedMember: 404 },
    request: (role) => ({ body: { photoIds: [role === 'owner' ? ownerOutside : own.owner] } }),
    check: (role, a) => expect(a.body?.results).toEqual([role === 'owner' ? { photoId: ownerOutside, result: 'notFound' } : { photoId: own.owner, result: 'forbidden' }]),
  },
  listAlbumMembers: {
    expect: MEMBERS_ONLY,
    request: () => ({}),
    check: (_role, a) => expect((a.body?.items as { role: string }[]).map((m) => m.role)).toEqual(['owner', 'contributor', 'viewer']),
  },
  // Denied roles try to bring someone in (the outsiders themselves); the owner grants the viewer the role it has.
  addAlbumMember: {
    expect: OWNER_ONLY(200),
    request: (role) => ({ body: { email: role === 'owner' || role === 'contributor' || role === 'viewer' ? users.viewer.email : users[role].email, role: role === 'owner' ? 'viewer' : 'contributor' } }),
    check: (_role, a) => expect(a.body).toMatchObject({ userId: users.viewer.userId, role: 'viewer' }),
  },
  // Members may remove only themselves: each aims at another member; the owner removes someone who is no member (204, no change).
  removeAlbumMember: {
    expect: { owner: 204, contributor: 403, viewer: 403, nonMember: 404, removedMember: 404 },
    request: (role) => ({ params: { userId: role === 'owner' ? users.nonMember.userId : role === 'contributor' ? users.viewer.userId : users.contributor.userId } }),
  },
  createShareLink: { expect: OWNER_ONLY(201), request: () => ({ body: { kind: 'view' } }), ownerChanges: ['links'] },
  listShareLinks: { expect: OWNER_ONLY(200), request: () => ({}), check: (_role, a) => expect(ids(a)).toContain(linkId) },
  // Denied roles aim at the owner's live link; the owner revokes a link of its own made for the purpose.
  revokeShareLink: {
    expect: OWNER_ONLY(204),
    request: async (role) => {
      if (role !== 'owner') return { params: { linkId: linkId! } };
      const made = await send('POST', `/v1/albums/${albumId}/links`, users.owner.accessToken, { kind: 'view' });
      return { params: { linkId: made.body!.id as string } };
    },
    ownerChanges: ['links'],
  },
};

interface Operation {
  operationId: string;
  method: Method;
  path: string;
}

async function albumOperations(): Promise<Operation[]> {
  const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, { operationId: string }>> };
  return Object.entries(document.paths)
    .filter(([path]) => path === '/v1/albums' || path.startsWith('/v1/albums/'))
    .flatMap(([path, operations]) => Object.entries(operations).map(([method, op]) => ({ operationId: op.operationId, method: method.toUpperCase() as Method, path })));
}

const pathOf = (op: Operation, album: string, params: Record<string, string> = {}) =>
  op.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(name === 'albumId' ? album : (params[name] ?? 'none')));

/** Everything the matrix protects, as the owner sees it (signed URLs aside: signed afresh each read). */
async function state(changes: Row['ownerChanges'] = []) {
  const token = users.owner.accessToken;
  const album = await send('GET', `/v1/albums/${albumId}`, token);
  const { cover: _cover, ...albumFields } = (album.body ?? {}) as Record<string, unknown>;
  if (changes.includes('updatedAt')) delete albumFields.updatedAt;
  const photos = await send('GET', `/v1/albums/${albumId}/photos`, token);
  const members = await send('GET', `/v1/albums/${albumId}/members`, token);
  const links = hasLinks && !changes.includes('links') ? await send('GET', `/v1/albums/${albumId}/links`, token) : undefined;
  return {
    album: { status: album.status, ...albumFields },
    photos: ((photos.body?.items ?? []) as { id: string; addedBy: unknown; addedAt: string }[]).map((p) => ({ id: p.id, addedBy: p.addedBy, addedAt: p.addedAt })),
    members: members.body?.items,
    links: links && ((links.body?.items ?? []) as { id: string; revokedAt?: string }[]).map((l) => ({ id: l.id, revokedAt: l.revokedAt })),
  };
}

beforeAll(async () => {
  server = await startLibraryApp();
  api = client(server.url);
  const [owner, contributor, viewer, nonMember, removedMember] = await Promise.all(ROLES.map((role) => registeredUser(api, `matrix-${role}`)));
  Object.assign(users, { owner, contributor, viewer, nonMember, removedMember });
  for (const role of ROLES) own[role] = (await seedPhoto(server.app, users[role].userId)).photoId;
  ownerOutside = (await seedPhoto(server.app, owner!.userId)).photoId;

  const created = await api.post<{ id: string }>('/v1/albums', { name: 'Matrix' }, owner!.accessToken);
  albumId = created.body.id;
  const share = async (user: User, role: string) => expect((await api.post(`/v1/albums/${albumId}/members`, { email: user.email, role }, owner!.accessToken)).status).toBe(201);
  await share(contributor!, 'contributor');
  await share(viewer!, 'viewer');
  await share(removedMember!, 'contributor');
  expect((await api.post(`/v1/albums/${albumId}/photos`, { photoIds: [own.owner] }, owner!.accessToken)).status).toBe(200);
  expect((await api.post(`/v1/albums/${albumId}/photos`, { photoIds: [own.contributor] }, contributor!.accessToken)).status).toBe(200);
  expect((await api.post(`/v1/albums/${albumId}/photos`, { photoIds: [own.removedMember] }, removedMember!.accessToken)).status).toBe(200);
  expect((await api.delete(`/v1/albums/${albumId}/members/${removedMember!.userId}`, owner!.accessToken)).status).toBe(204);
  await jobsSettled(server.app);

  hasLinks = (await albumOperations()).some((op) => op.operationId === 'listShareLinks');
  if (hasLinks) {
    const link = await send('POST', `/v1/albums/${albumId}/links`, owner!.accessToken, { kind: 'view' });
    expect(link.status).toBe(201);
    linkId = link.body!.id as string;
  }
});
afterAll(() => server?.close());

describe('the sharing matrix: every album route x every role', () => {
  it('every album route of the OpenAPI document has a row (a new route must join the matrix)', async () => {
    const operations = await albumOperations();
    expect(operations.map((op) => op.operationId).filter((id) => !(id in rows))).toEqual([]);
    // The routes of albums and members are all there (links join with their part).
    expect(operations.map((op) => op.operationId)).toEqual(
      expect.arrayContaining(['createAlbum', 'listAlbums', 'listSharedAlbums', 'getAlbum', 'updateAlbum', 'deleteAlbum', 'listAlbumPhotos', 'addAlbumPhotos', 'removeAlbumPhotos', 'listAlbumMembers', 'addAlbumMember', 'removeAlbumMember']),
    );
  });

  it('the state the matrix protects is what the set-up made (not vacuous)', async () => {
    const before = await state();
    expect(before.album).toMatchObject({ status: 200, id: albumId, name: 'Matrix', photoCount: 2 });
    // The removed member's photo left with them.
    expect(before.photos.map((p) => p.id).sort()).toEqual([own.owner, own.contributor].sort());
    expect((before.members as { userId: string }[]).map((m) => m.userId)).toEqual([users.owner.userId, users.contributor.userId, users.viewer.userId]);
    if (hasLinks) expect(before.links).toEqual([{ id: linkId, revokedAt: undefined }]);
  });

  it('each cell answers its status and changes nothing; a 404 is the very answer an unknown album gets', async () => {
    const operations = await albumOperations();
    const failures: string[] = [];
    let cells = 0;
    for (const op of operations) {
      const row = rows[op.operationId]!;
      for (const role of ROLES) {
        if (op.operationId === 'deleteAlbum' && role === 'owner') continue;
        cells++;
        const allowedOwnerWrite = role === 'owner' ? row.ownerChanges : undefined;
        const before = await state(allowedOwnerWrite);
        const request = await row.request(role);
        const answer = await send(op.method, pathOf(op, albumId, request.params), users[role].accessToken, request.body);
        const cell = `${op.method} ${op.path} as ${role}`;
        const expected = row.expect[role];
        if (answer.status !== expected) {
          failures.push(`${cell}: ${answer.status}, expected ${expected} (${JSON.stringify(answer.body).slice(0, 200)})`);
          continue;
        }
        if (expected < 300) {
          try {
            row.check?.(role, answer);
          } catch (error) {
            failures.push(`${cell}: ${(error as Error).message.split('\n').slice(0, 6).join(' ')}`);
          }
        }
        if (expected === 403 && !String(answer.body?.type).endsWith('/forbidden')) failures.push(`${cell}: a 403 that is not a forbidden problem`);
        if (expected === 404 && op.path.includes('{albumId}')) {
          // As if the album did not exist: the same problem the same request gets for an album id nobody has.
          const unknown = await send(op.method, pathOf(op, '0000000000000000000000000', request.params), users[role].accessToken, request.body);
          const problem = (a: Answer) => ({ status: a.status, type: a.body?.type, title: a.body?.title, detail: a.body?.detail });
          if (JSON.stringify(problem(answer)) !== JSON.stringify(problem(unknown))) failures.push(`${cell}: 404 ${JSON.stringify(problem(answer))} differs from an unknown album's ${JSON.stringify(problem(unknown))}`);
        }
        const after = await state(allowedOwnerWrite);
        if (JSON.stringify(after) !== JSON.stringify(before)) failures.push(`${cell}: changed the album: ${JSON.stringify(before)} -> ${JSON.stringify(after)}`);
      }
    }
    await jobsSettled(server.app);
    expect(failures).toEqual([]);
    expect(cells).toBe(operations.length * ROLES.length - 1);
  });

  it("the owner's delete, last: the album is gone for every role", async () => {
    expect((await send('DELETE', `/v1/albums/${albumId}`, users.owner.accessToken)).status).toBe(204);
    for (const role of ROLES) {
      expect((await send('GET', `/v1/albums/${albumId}`, users[role].accessToken)).status).toBe(404);
      expect((await send('GET', `/v1/albums/${albumId}/members`, users[role].accessToken)).status).toBe(404);
    }
    await jobsSettled(server.app);
    expect(ids(await send('GET', '/v1/albums/shared', users.contributor.accessToken))).not.toContain(albumId);
  });
});
