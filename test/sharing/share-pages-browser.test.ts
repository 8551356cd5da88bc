import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from '../../mobile/node_modules/playwright-core/index.js';
import { launchChromium, SCREENSHOTS } from '../e2e/browser.js';
import { client, registeredUser, startAccountsApp, waitUntil, type ApiClient } from '../helpers/accounts.js';
import { registerSecret } from '../helpers/log-capture.js';
import { jpeg } from '../helpers/uploads.js';
import { addToAlbum, createAlbum, createLink, KEYS, keysEnv, readyPhotos } from './support.js';

/**
 * The share pages in headless Chromium with JavaScript turned off: a view link shows its album's thumbnails
 * (loaded under the page's CSP), a collect link's form uploads a guest's files picked with the file chooser and
 * shows what was added. Screenshots in artifacts/screenshots/share-*.png.
 */
jest.setTimeout(120_000);

let server: Awaited<ReturnType<typeof startAccountsApp>>;
let api: ApiClient;
let browser: Browser;
let owner: Awaited<ReturnType<typeof registeredUser>>;
let albumId: string;

beforeAll(async () => {
  server = await startAccountsApp({ WORKER_CONCURRENCY: '2', SWEEP_INTERVAL_SECONDS: '0', ...keysEnv({ k1: KEYS.k1 }, 'k1') });
  api = client(server.url);
  owner = await registeredUser(api, 'pages-owner');
  albumId = await createAlbum(api, owner.accessToken, 'Lake weekend · 2026');
  const photos = await readyPhotos(api, owner.accessToken, [601, 602, 603, 604, 605]);
  await addToAlbum(api, owner.accessToken, albumId, photos.map((p) => p.id));
  browser = await launchChromium();
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** A page without JavaScript, collecting every CSP violation and failed request it meets. */
async function plainPage() {
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 820, height: 700 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) problems.push(message.text());
  });
  page.on('requestfailed', (request) => problems.push(`failed: ${request.url().slice(0, 80)}`));
  return { context, page, problems };
}

it('a view link: the album with its thumbnails, no CSP violation', async () => {
  const link = (await createLink(api, owner.accessToken, albumId, { kind: 'view' })).body;
  const { context, page, problems } = await plainPage();
  try {
    const response = await page.goto(link.url);
    expect(response?.status()).toBe(200);
    await page.waitForLoadState('networkidle');
    expect(await page.locator('h1').textContent()).toBe('Lake weekend · 2026');
    const images = page.locator('.grid img');
    expect(await images.count()).toBe(5);
    // Every thumbnail decoded (the store answered, the CSP allowed it).
    await waitUntil(async () => ((await images.evaluateAll((list) => list.every((img) => (img as unknown as { naturalWidth: number }).naturalWidth > 0))) ? true : undefined));
    expect(problems).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'share-view.png'), fullPage: true });
  } finally {
    await context.close();
  }
});

it("a collect link: a guest picks two photos, sends the form, and sees what was added; the owner's album gets them", async () => {
  const link = (await createLink(api, owner.accessToken, albumId, { kind: 'collect', password: 'pages password' })).body;
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'guest-'));
  const files = [path.join(folder, 'sunset.jpg'), path.join(folder, 'boat.jpg')];
  fs.writeFileSync(files[0]!, await jpeg(611, 640, 480));
  fs.writeFileSync(files[1]!, await jpeg(612, 480, 640));
  const { context, page, problems } = await plainPage();
  try {
    expect((await page.goto(link.url))?.status()).toBe(200);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'share-collect.png'), fullPage: true });
    const guest = 'Ada from the lake';
    registerSecret('guest name', guest);
    await page.getByLabel('Your name').fill(guest);
    await page.getByLabel('Password').fill('pages password');
    await page.getByLabel('Photos').setInputFiles(files);
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Add photos' }).click()]);
    const status = page.getByRole('status');
    expect(await status.textContent()).toContain('sunset.jpg: added');
    expect(await status.textContent()).toContain('boat.jpg: added');
    // The form comes back with the name kept, for the next batch.
    expect(await page.getByLabel('Your name').inputValue()).toBe(guest);
    expect(problems).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'share-collect-done.png'), fullPage: true });
    const inAlbum = await waitUntil(async () => {
      const listed = await api.get<{ items: { addedBy: { name: string } }[] }>(`/v1/albums/${albumId}/photos`, owner.accessToken);
      const guests = listed.body.items.filter((p) => p.addedBy.name === guest);
      return guests.length === 2 ? guests : undefined;
    }, 30_000);
    expect(inAlbum).toHaveLength(2);
  } finally {
    await context.close();
    fs.rmSync(folder, { recursive: true, force: true });
  }
});
