import { client, registeredUser, startAccountsApp, type ApiClient } from '../helpers/accounts.js';
import { item, jpeg, put, settled, type UploadAnswer } from '../helpers/uploads.js';
import { attachmentDisposition } from '../../src/photos/url-signer.js';

/**
 * Hostile filenames end to end (the contract: src/schemas/uploads.ts, `filename`): Unicode, emoji,
 * right-to-left marks, quotes and path separators are kept exactly and come back in listings; control
 * characters (CR/LF included) and unpaired surrogates are refused with a 400 naming the field. The
 * name never reaches an S3 key or a response header; the original downloads under it
 * (Content-Disposition signed into the URL).
 */
const KEPT = [
  'Été à Noël 😀.jpg',
  'שלום עולם\u200f.jpg',
  'photo\u202egpj.exe',
  `"quoted" 'single' \\back\\.jpg`,
  '../../etc/passwd',
  'C:\\Users\\ada\\IMG (1).jpg',
  '👩\u200d👩\u200d👧 family.jpg',
  '%2e%2e%2f%00.jpg',
  'x: y; filename=evil.html, z.jpg',
  'plain_name-1.jpg',
];
const REFUSED = ['a\r\nX-Evil: 1.jpg', 'tab\there.jpg', 'nul\u0000.jpg', 'del\u007f.jpg', 'next-line\u0085.jpg', 'lone \ud800 half.jpg'];

describe('filenames, end to end', () => {
  let server: Awaited<ReturnType<typeof startAccountsApp>>;
  let api: ApiClient;
  beforeAll(async () => {
    server = await startAccountsApp({ WORKER_CONCURRENCY: '2', SWEEP_INTERVAL_SECONDS: '0' });
    api = client(server.url);
  });
  afterAll(() => server.close());

  it('control characters and unpaired surrogates are a 400 naming each item; nothing is reserved', async () => {
    const user = await registeredUser(api, 'names-refused');
    const images = await Promise.all(REFUSED.map((_, i) => jpeg(200 + i)));
    const res = await api.post<{ errors: { path: string }[] }>('/v1/uploads', { items: REFUSED.map((name, i) => item(`r${i}`, images[i]!, 'image/jpeg', name)) }, user.accessToken);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body.errors.map((e) => e.path)).toEqual(REFUSED.map((_, i) => `body.items.${i}.filename`));
    expect([...res.headers.keys()]).not.toContain('x-evil');
    const me = await api.get<{ usage: { photos: number; bytes: number } }>('/v1/me', user.accessToken);
    expect(me.body.usage).toEqual(expect.objectContaining({ photos: 0, bytes: 0 }));
  });

  it('Unicode, RTL marks, quotes and path separators round-trip; keys never hold them; originals download under them', async () => {
    const user = await registeredUser(api, 'names-kept');
    const images = await Promise.all(KEPT.map((_, i) => jpeg(100 + i)));
    // Leading and trailing spaces are trimmed (the contract says so); everything else is kept.
    const sent = KEPT.map((name, i) => (i === 0 ? `  ${name} ` : name));
    const reserved = await api.post<{ items: UploadAnswer[] }>('/v1/uploads', { items: sent.map((name, i) => item(`k${i}`, images[i]!, 'image/jpeg', name)) }, user.accessToken);
    expect(reserved.status).toBe(200);
    for (const [i, answer] of reserved.body.items.entries()) {
      const url = new URL(answer.upload!.url!);
      // The key is ours: the user's prefix and the photo id, nothing of the name.
      expect(decodeURIComponent(url.pathname)).toMatch(new RegExp(`/users/${user.userId}/photos/${answer.photoId}$`));
      expect(url.search).not.toContain(encodeURIComponent(KEPT[i]!));
      expect(Object.values(answer.upload!.headers!).join('\n')).not.toContain(KEPT[i]!);
    }
    expect((await Promise.all(reserved.body.items.map((answer, i) => put(answer, images[i]!)))).every((status) => status === 200)).toBe(true);
    const ids = reserved.body.items.map((a) => a.photoId);
    const completed = await api.post('/v1/uploads/complete', { items: ids.map((photoId) => ({ photoId })) }, user.accessToken);
    expect(completed.status).toBe(200);
    await settled(api, user.accessToken, ids, 60_000);

    const page = await api.get<{ items: { id: string; status: string; filename: string; urls: { original?: string } }[] }>('/v1/photos?limit=50', user.accessToken);
    expect(page.status).toBe(200);
    expect([...page.headers.values()].join('\n')).not.toMatch(/X-Evil|evil\.html|passwd/);
    const byId = new Map(page.body.items.map((p) => [p.id, p]));
    let downloaded = 0;
    for (const [i, id] of ids.entries()) {
      const photo = byId.get(id)!;
      expect({ id, status: photo.status, filename: photo.filename }).toEqual({ id, status: 'ready', filename: KEPT[i] });
      const original = new URL(photo.urls.original!);
      expect(decodeURIComponent(original.pathname)).toMatch(new RegExp(`/users/${user.userId}/photos/${id}$`));
      const disposition = attachmentDisposition(KEPT[i]!);
      expect(original.searchParams.get('response-content-disposition')).toBe(disposition);
      expect(disposition).toMatch(/^attachment; filename="[\x20-\x7e]*"/);
      const download = await fetch(original);
      expect({ name: KEPT[i], status: download.status }).toEqual({ name: KEPT[i], status: 200 });
      expect(download.headers.get('content-disposition')).toBe(disposition);
      expect(Buffer.from(await download.arrayBuffer()).equals(images[i]!)).toBe(true);
      downloaded++;
    }
    expect(downloaded).toBe(KEPT.length);
  }, 90_000);
});
