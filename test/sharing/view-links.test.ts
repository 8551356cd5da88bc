import fs from 'node:fs';
import path from 'node:path';
import { client, registeredUser, startAccountsApp, waitUntil, type ApiClient } from '../helpers/accounts.js';
import { TEST_LOG_DIR } from '../helpers/log-capture.js';
import { uploadPhoto } from '../helpers/photos.js';
import { settled } from '../helpers/uploads.js';
import { addToAlbum, createAlbum, createLink, decodeToken, forge, KEYS, keysEnv, openLink, readyPhotos, type Problem, type ShareLink } from './support.js';

/**
 * View links over the real HTTP API: who may create them, what they open (exactly the album's photos, with
 * URLs that open only their own object), the one 404 for every token that opens nothing, key rotation,
 * passwords, the per-address limit, the HTML page, and the token kept out of the logs.
 */
jest.setTimeout(120_000);

type User = Awaited<ReturnType<typeof registeredUser>>;
type Server = Awaited<ReturnType<typeof startAccountsApp>>;

const ALBUM_NAME = 'Summer <2026> & "friends"';
let server: Server;
let api: ApiClient;
let owner: User;
let viewer: User;
let stranger: User;
let albumId: string;
/** Two photos in the album, one the owner never shared. */
let shared: { id: string }[];
let unshared: { id: string };

beforeAll(async () => {
  server = await startAccountsApp({ WORKER_CONCURRENCY: '2', SWEEP_INTERVAL_SECONDS: '0', ...keysEnv({ k1: KEYS.k1 }, 'k1') });
  api = client(server.url);
  [owner, viewer, stranger] = await Promise.all([registeredUser(api, 'link-owner'), registeredUser(api, 'link-viewer'), registeredUser(api, 'link-stranger')]);
  const photos = await readyPhotos(api, owner.accessToken, [301, 302, 303]);
  shared = photos.slice(0, 2);
  unshared = photos[2]!;
  albumId = await createAlbum(api, owner.accessToken, ALBUM_NAME);
  await addToAlbum(api, owner.accessToken, albumId, shared.map((p) => p.id));
  const member = await api.post(`/v1/albums/${albumId}/members`, { email: viewer.email, role: 'viewer' }, owner.accessToken);
  expect(member.status).toBe(201);
});
afterAll(() => server.close());

const view = (body: Record<string, unknown> = {}) => createLink(api, owner.accessToken, albumId, { kind: 'view', ...body });

describe('creating, listing and revoking links', () => {
  it('the owner creates a view link: 201 with a token, its page URL on this origin, a 30-day default expiry', async () => {
    const before = Date.now();
    const created = await view();
    expect(created.status).toBe(201);
    const link = created.body;
    expect(link).toEqual({ id: expect.any(String), kind: 'view', token: expect.any(String), url: `${server.url}/s/${link.token}`, expiresAt: expect.any(String), hasPassword: false, createdAt: expect.any(String) });
    const days = (Date.parse(link.expiresAt) - before) / 86_400_000;
    expect(days).toBeGreaterThan(29.99);
    expect(days).toBeLessThanOrEqual(30);
    // The token names its key, the link, the album and the kind, and expires with the link.
    const { header, payload } = decodeToken(link.token);
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT', kid: 'k1' });
    expect(payload).toEqual({ l: link.id, a: albumId, k: 'v', exp: Date.parse(link.expiresAt) / 1000 });
  });

  it('a member gets 403, anyone else 404, and nothing is created', async () => {
    const before = (await api.get<{ items: ShareLink[] }>(`/v1/albums/${albumId}/links`, owner.accessToken)).body.items.length;
    expect((await createLink(api, viewer.accessToken, albumId, { kind: 'view' })).status).toBe(403);
    expect((await createLink(api, stranger.accessToken, albumId, { kind: 'view' })).status).toBe(404);
    expect((await api.get(`/v1/albums/${albumId}/links`, viewer.accessToken)).status).toBe(403);
    expect((await api.get(`/v1/albums/${albumId}/links`, stranger.accessToken)).status).toBe(404);
    expect((await api.get<{ items: ShareLink[] }>(`/v1/albums/${albumId}/links`, owner.accessToken)).body.items).toHaveLength(before);
  });

  it('refuses bad input naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ kind: 'edit' }, 'body.kind'],
      [{ kind: 'view', expiresInDays: 0 }, 'body.expiresInDays'],
      [{ kind: 'view', expiresInDays: 366 }, 'body.expiresInDays'],
      [{ kind: 'view', password: 'short' }, 'body.password'],
      [{ kind: 'view', maxUploads: 5 }, 'body.maxUploads'],
      [{ kind: 'collect', maxUploads: 1001 }, 'body.maxUploads'],
    ];
    for (const [body, field] of cases) {
      const answer = await createLink(api, owner.accessToken, albumId, body);
      expect({ body, status: answer.status, paths: (answer.body as unknown as { errors: { path: string }[] }).errors.map((e) => e.path) }).toEqual({ body, status: 400, paths: [field] });
    }
  });

  it('the owner lists the links (newest first) and revokes one: it opens nothing from the next request on', async () => {
    const link = (await view()).body;
    expect((await openLink(server.url, link.token)).status).toBe(200);
    const listed = await api.get<{ items: ShareLink[] }>(`/v1/albums/${albumId}/links`, owner.accessToken);
    expect(listed.body.items[0]).toMatchObject({ id: link.id, kind: 'view', expiresAt: link.expiresAt, hasPassword: false });
    expect((await api.delete(`/v1/albums/${albumId}/links/${link.id}`, viewer.accessToken)).status).toBe(403);
    expect((await api.delete(`/v1/albums/${albumId}/links/${link.id}`, owner.accessToken)).status).toBe(204);
    expect((await openLink(server.url, link.token)).status).toBe(404);
    const after = await api.get<{ items: ShareLink[] }>(`/v1/albums/${albumId}/links`, owner.accessToken);
    expect(after.body.items.find((l) => l.id === link.id)).toMatchObject({ revokedAt: expect.any(String) });
    // Revoking again changes nothing; an unknown link is a 404.
    expect((await api.delete(`/v1/albums/${albumId}/links/${link.id}`, owner.accessToken)).status).toBe(204);
    expect((await api.delete(`/v1/albums/${albumId}/links/000000000nolink`, owner.accessToken)).status).toBe(404);
  });
});

describe('what a view link opens', () => {
  let token: string;
  beforeAll(async () => {
    token = (await view()).body.token;
  });

  it("exactly the album's photos, without an account", async () => {
    const opened = await openLink(server.url, token);
    expect(opened.status).toBe(200);
    expect(opened.body.album).toEqual({ name: ALBUM_NAME });
    expect(opened.body.kind).toBe('view');
    expect(opened.body.photos!.items.map((p) => p.id).sort()).toEqual(shared.map((p) => p.id).sort());
    expect(opened.body.photos!.nextCursor).toBeNull();
    // Paging is bound to the link: page 1 of 1 photo, then the other.
    const first = await openLink(server.url, token, { query: '?limit=1' });
    const second = await openLink(server.url, token, { query: `?limit=1&cursor=${encodeURIComponent(first.body.photos!.nextCursor!)}` });
    expect([...first.body.photos!.items, ...second.body.photos!.items].map((p) => p.id).sort()).toEqual(shared.map((p) => p.id).sort());
  });

  it("no place and no camera metadata for a link's holder (anyone with the URL); a member, invited by name, sees them", async () => {
    const bytes = fs.readFileSync(path.join(__dirname, '../fixtures/images/exif.jpg'));
    const { photoId } = await uploadPhoto(api, owner.accessToken, bytes);
    expect((await settled(api, owner.accessToken, [photoId]))[photoId]!.status).toBe('ready');
    const mine = (await api.get<Record<string, unknown>>(`/v1/photos/${photoId}`, owner.accessToken)).body;
    // The fixture's GPS and camera tags: what must not leave with a public link.
    expect(mine).toMatchObject({ location: { lat: expect.closeTo(48.858, 2) }, exif: expect.objectContaining({ make: expect.any(String), gps: expect.any(Object) }) });
    const metadataAlbum = await createAlbum(api, owner.accessToken, 'With metadata');
    await addToAlbum(api, owner.accessToken, metadataAlbum, [photoId]);
    expect((await api.post(`/v1/albums/${metadataAlbum}/members`, { email: viewer.email, role: 'viewer' }, owner.accessToken)).status).toBe(201);

    const asMember = await api.get<{ items: Record<string, unknown>[] }>(`/v1/albums/${metadataAlbum}/photos`, viewer.accessToken);
    expect(asMember.body.items).toEqual([expect.objectContaining({ id: photoId, location: mine.location, exif: mine.exif, addedBy: expect.objectContaining({ userId: owner.userId }) })]);

    const linkToken = (await createLink(api, owner.accessToken, metadataAlbum, { kind: 'view' })).body.token;
    const opened = await openLink(server.url, linkToken);
    const shown = opened.body.photos!.items as unknown as Record<string, unknown>[];
    expect(shown.map((p) => p.id)).toEqual([photoId]);
    expect(shown[0]).not.toHaveProperty('location');
    expect(shown[0]).not.toHaveProperty('exif');
    expect(shown[0]!.addedBy).not.toHaveProperty('userId');
  });

  it("URLs that open their photo and nothing else: a path edited to the owner's unshared photo is refused by S3", async () => {
    const opened = await openLink(server.url, token);
    for (const photo of opened.body.photos!.items) {
      for (const url of [photo.urls.thumbnail!, photo.urls.preview!, photo.urls.original!]) {
        const got = await fetch(url);
        await got.arrayBuffer();
        expect({ url, status: got.status }).toEqual({ url, status: 200 });
      }
      const edited = photo.urls.thumbnail!.replace(photo.id, unshared.id);
      expect(edited).not.toBe(photo.urls.thumbnail);
      const refused = await fetch(edited);
      await refused.arrayBuffer();
      expect(refused.status).toBe(403);
    }
  });

  it('the page /s/{token}: the name escaped, a grid of the thumbnails, no script, a CSP with no inline script', async () => {
    const opened = await openLink(server.url, token);
    const response = await fetch(`${server.url}/s/${token}`);
    const page = await response.text();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect(page).toContain('<h1>Summer &lt;2026&gt; &amp; &quot;friends&quot;</h1>');
    expect(page).not.toContain(ALBUM_NAME);
    expect(page).not.toMatch(/<script/i);
    for (const photo of opened.body.photos!.items) expect(page).toContain(`src="${photo.urls.thumbnail!.replace(/&/g, '&amp;')}"`);
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/style-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).not.toMatch(/unsafe-inline|script-src/);
    expect(csp).toContain(new URL(opened.body.photos!.items[0]!.urls.thumbnail!).origin);
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
  });
});

describe('every token that opens nothing is the same 404', () => {
  it('forged, altered, unsigned, of an unknown key, expired, revoked, of a deleted album, or not a token', async () => {
    const link = (await view()).body;
    const { header, payload } = decodeToken(link.token);
    const [, , signature] = link.token.split('.');
    const past = Math.floor(Date.now() / 1000) - 60;
    const otherAlbum = await createAlbum(api, owner.accessToken, 'to be deleted');
    const doomed = (await createLink(api, owner.accessToken, otherAlbum, { kind: 'view' })).body;
    const revoked = (await view()).body;
    expect((await openLink(server.url, doomed.token)).status).toBe(200);
    expect((await api.delete(`/v1/albums/${otherAlbum}/links/${revoked.id}`, owner.accessToken)).status).toBe(404);
    expect((await api.delete(`/v1/albums/${albumId}/links/${revoked.id}`, owner.accessToken)).status).toBe(204);
    expect((await api.delete(`/v1/albums/${otherAlbum}`, owner.accessToken)).status).toBe(204);
    const cases: Record<string, string> = {
      'another key': forge(header, payload, 'not-our-key-but-long-enough-0123456789'),
      'an altered payload, the signature kept': `${forge(header, { ...payload, a: otherAlbum }).slice(0, -1)}.${signature}`,
      'a collect link claimed': `${forge(header, { ...payload, k: 'c' }).slice(0, -1)}.${signature}`,
      'alg none': forge({ alg: 'none', typ: 'JWT', kid: 'k1' }, payload),
      'alg none, no kid': forge({ alg: 'none', typ: 'JWT' }, payload),
      'HS512 with the right key': forge({ ...header, alg: 'HS512' }, payload, KEYS.k1),
      'an unknown kid': forge({ ...header, kid: 'k9' }, payload, KEYS.k1),
      'a key removed from the configuration (k2)': forge({ ...header, kid: 'k2' }, payload, KEYS.k2),
      expired: forge(header, { ...payload, exp: past }, KEYS.k1),
      'no expiry': forge(header, { l: payload.l, a: payload.a, k: payload.k }, KEYS.k1),
      'an unknown link id': forge(header, { ...payload, l: '000000000unknownlink' }, KEYS.k1),
      revoked: revoked.token,
      'its album deleted': doomed.token,
      'not a token': 'hello',
      'a Cognito access token': owner.accessToken,
    };
    const answers = await Promise.all(Object.entries(cases).map(async ([name, token]) => ({ name, ...(await openLink(server.url, token)) })));
    const first = answers[0]!.body;
    expect(first).toMatchObject({ status: 404, type: 'https://auroravault.dev/problems/not-found' });
    for (const { name, status, body } of answers) {
      const { type, title, detail } = body as Problem;
      expect({ name, status, type, title, detail }).toEqual({ name, status: 404, type: first.type, title: first.title, detail: first.detail });
    }
    // The genuine token still opens the album: the refusals above were about the tokens.
    expect((await openLink(server.url, link.token)).status).toBe(200);
    expect((await fetch(`${server.url}/s/${doomed.token}`)).status).toBe(404);
  });

  it('a link expires when its time comes (a 1-second "day")', async () => {
    const quick = await startAccountsApp({ SHARE_LINK_DAY_SECONDS: '1', ...keysEnv({ k1: KEYS.k1 }, 'k1') });
    try {
      const created = await createLink(client(quick.url), owner.accessToken, albumId, { kind: 'view', expiresInDays: 2 });
      const link = created.body;
      const expiresAt = Date.parse(link.expiresAt);
      expect(expiresAt - Date.now()).toBeLessThanOrEqual(2000);
      expect((await openLink(quick.url, link.token)).status).toBe(200);
      const refusedAt = await waitUntil(async () => ((await openLink(quick.url, link.token)).status === 404 ? Date.now() : undefined), 10_000);
      expect(refusedAt).toBeGreaterThanOrEqual(expiresAt);
      // And on the long-lived server too (same table, same key).
      expect((await openLink(server.url, link.token)).status).toBe(404);
    } finally {
      await quick.close();
    }
  });
});

it('key rotation: a token of the old key works while that key is configured, not once it is removed', async () => {
  const oldToken = (await view()).body.token;
  expect(decodeToken(oldToken).header.kid).toBe('k1');
  const rotated = await startAccountsApp(keysEnv({ k1: KEYS.k1, k2: KEYS.k2 }, 'k2'));
  const retired = await startAccountsApp(keysEnv({ k2: KEYS.k2 }, 'k2'));
  try {
    const newLink = (await createLink(client(rotated.url), owner.accessToken, albumId, { kind: 'view' })).body;
    expect(decodeToken(newLink.token).header.kid).toBe('k2');
    // Both keys configured: both tokens open the album.
    expect((await openLink(rotated.url, oldToken)).status).toBe(200);
    expect((await openLink(rotated.url, newLink.token)).status).toBe(200);
    // The old key removed: its tokens open nothing, the new key's still do.
    expect((await openLink(retired.url, oldToken)).status).toBe(404);
    expect((await openLink(retired.url, newLink.token)).status).toBe(200);
    // The owner's listing signs every link with the key signing now.
    const listed = await client(retired.url).get<{ items: ShareLink[] }>(`/v1/albums/${albumId}/links`, owner.accessToken);
    const again = listed.body.items.find((l) => decodeToken(l.token).payload.l === decodeToken(oldToken).payload.l)!;
    expect(decodeToken(again.token).header.kid).toBe('k2');
    expect((await openLink(retired.url, again.token)).status).toBe(200);
  } finally {
    await Promise.all([rotated.close(), retired.close()]);
  }
});

describe('a password-protected link', () => {
  const password = 'correct horse battery';
  let link: ShareLink;
  beforeAll(async () => {
    link = (await view({ password })).body;
  });

  it('says it has one, and asks for it with a 401 of its own type; the right one opens the album', async () => {
    expect(link.hasPassword).toBe(true);
    const missing = await openLink(server.url, link.token);
    const wrong = await openLink(server.url, link.token, { password: 'correct horse battery!' });
    for (const answer of [missing, wrong]) {
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ status: 401, type: 'https://auroravault.dev/problems/share-password-required' });
    }
    const right = await openLink(server.url, link.token, { password });
    expect(right.status).toBe(200);
    expect(right.body.photos!.items).toHaveLength(2);
  });

  it('the page asks with a form and shows the album once the password is posted', async () => {
    const asked = await fetch(`${server.url}/s/${link.token}`);
    const form = await asked.text();
    expect(asked.status).toBe(200);
    expect(form).toContain('type="password" name="password"');
    expect(form).not.toContain('<img');
    const post = async (value: string) => {
      const body = new FormData();
      body.set('password', value);
      const response = await fetch(`${server.url}/s/${link.token}`, { method: 'POST', body });
      return { status: response.status, text: await response.text() };
    };
    const wrong = await post('not it at all');
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('The password is not right.');
    const right = await post(password);
    expect(right.status).toBe(200);
    expect(right.text.match(/<img /g)).toHaveLength(2);
  });
});

it('public link requests are limited per client address: 429 with Retry-After past the budget', async () => {
  const limited = await startAccountsApp({ RATE_LIMIT_SHARED_IP_PER_MINUTE: '3', ...keysEnv({ k1: KEYS.k1 }, 'k1') });
  try {
    const token = (await view()).body.token;
    // Four requests inside one minute window (fixed windows on the epoch minute).
    const left = 60_000 - (Date.now() % 60_000);
    if (left < 10_000) await new Promise((r) => setTimeout(r, left + 50));
    const statuses: number[] = [];
    for (const url of [`/v1/shared/${token}`, `/s/${token}`, `/v1/shared/forged`]) statuses.push((await fetch(`${limited.url}${url}`)).status);
    const refused = await fetch(`${limited.url}/v1/shared/${token}`);
    expect(statuses).toEqual([200, 200, 404]);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(await refused.json()).toMatchObject({ status: 429, type: 'https://auroravault.dev/problems/too-many-requests' });
    // Signed-in routes keep their own budgets.
    expect((await client(limited.url).get(`/v1/albums/${albumId}/links`, owner.accessToken)).status).toBe(200);
  } finally {
    await limited.close();
  }
});

it('the token never reaches the logs: request lines show the path with [REDACTED]', async () => {
  const link = (await view()).body;
  expect((await openLink(server.url, link.token)).status).toBe(200);
  expect((await fetch(`${server.url}/s/${link.token}`)).status).toBe(200);
  // Answered by the router, before any share route: an unknown sub-path and a token over the length limit.
  expect((await fetch(`${server.url}/v1/shared/${link.token}/elsewhere`)).status).toBe(404);
  const overLong = `${link.token}.${'x'.repeat(1100)}`;
  expect((await fetch(`${server.url}/s/${overLong}`)).status).toBe(400);
  const stem = path.relative(path.resolve(__dirname, '../..'), __filename).replace(/[\\/]/g, '__');
  const lines = fs
    .readdirSync(TEST_LOG_DIR)
    .filter((file) => file.startsWith(`${stem}.${process.pid}`) && file.endsWith('.log.ndjson'))
    .flatMap((file) => fs.readFileSync(path.join(TEST_LOG_DIR, file), 'utf8').split('\n'));
  const requests = lines.filter((line) => line.includes('"incoming request"'));
  expect(requests.some((line) => line.includes('"url":"/v1/shared/[REDACTED]"'))).toBe(true);
  expect(requests.some((line) => line.includes('"url":"/s/[REDACTED]"'))).toBe(true);
  expect(lines.filter((line) => line.includes(link.token))).toEqual([]);
  expect(lines.filter((line) => line.includes(link.token.split('.')[2]!))).toEqual([]);
});
