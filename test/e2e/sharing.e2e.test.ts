import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { Browser, BrowserContext, Locator, Page } from '../../mobile/node_modules/playwright-core/index.js';
import { GOOD_PASSWORD, latestCode, uniqueEmail, waitUntil, type ApiClient } from '../helpers/accounts.js';
import { item, put, settled, type UploadAnswer } from '../helpers/uploads.js';
import { launchChromium, screenshotter } from './browser.js';
import { startPlatform, type Platform } from './platform.js';

/**
 * Albums and sharing in a real browser (issue 11): user A makes an album, shares it with B and invites B
 * into a family; B sees it under Shared with me; a guest adds a photo through a collect link's page
 * without signing in; A sees the guest's photo in the album. Each new screen is saved to
 * artifacts/screenshots/sharing-NN-<name>.png.
 */

const STEP_MS = 90_000;
/** Photo processing (job workers, a decoder started on first use) on a busy 2-core machine. */
const PROCESSING_MS = 60_000;
const ALBUM = 'Summer 2026';
const GUEST = 'Sam Guest';

let platform: Platform;
let browser: Browser;
const pageErrors: string[] = [];

interface Person {
  name: string;
  email: string;
  userId: string;
  accessToken: string;
  context?: BrowserContext;
  page?: Page;
}
let ada: Person;
let grace: Person;
const adaPhotos: string[] = [];
let collectUrl = '';

/** A small landscape (sky, sun, hills) whose colours depend on `seed`: something worth looking at in a screenshot. */
async function scene(seed: number): Promise<Buffer> {
  const hue = (seed * 47) % 360;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="800" height="600">
<defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="hsl(${hue},70%,55%)"/><stop offset="1" stop-color="hsl(${(hue + 40) % 360},80%,85%)"/></linearGradient></defs>
<rect width="800" height="600" fill="url(#sky)"/><circle cx="${200 + ((seed * 90) % 400)}" cy="190" r="70" fill="hsl(${(hue + 180) % 360},90%,70%)"/>
<path d="M0 420 Q200 ${300 + (seed % 3) * 30} 400 420 T800 400 V600 H0Z" fill="hsl(${(hue + 120) % 360},45%,35%)"/>
<path d="M0 500 Q250 430 520 510 T800 480 V600 H0Z" fill="hsl(${(hue + 140) % 360},40%,25%)"/></svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer();
}

/** Signs up with a name of their own (registeredUser names everyone Ada), confirms and signs in through the API. */
async function person(api: ApiClient, name: string, label: string): Promise<Person> {
  const email = uniqueEmail(label);
  const signup = await api.post<{ userId: string }>('/v1/auth/signup', { email, password: GOOD_PASSWORD, name });
  expect(signup.status).toBe(201);
  const code = await waitUntil(() => latestCode(api, email, /verification/i).catch(() => undefined));
  expect((await api.post('/v1/auth/confirm', { email, code })).status).toBe(200);
  const login = await api.post<{ accessToken: string }>('/v1/auth/login', { email, password: GOOD_PASSWORD });
  expect(login.status).toBe(200);
  return { name, email, userId: signup.body.userId, accessToken: login.body.accessToken };
}

async function uploadScenes(who: Person, count: number): Promise<string[]> {
  const files = await Promise.all(Array.from({ length: count }, (_, i) => scene(i + 1)));
  const items = files.map((bytes, i) => item(`p${i}`, bytes, 'image/jpeg', `beach-${i + 1}.jpg`));
  const reserved = await platform.api.post<{ items: UploadAnswer[] }>('/v1/uploads', { items }, who.accessToken);
  expect(reserved.status).toBe(200);
  for (const [i, answer] of reserved.body.items.entries()) expect(await put(answer, files[i]!)).toBe(200);
  const ids = reserved.body.items.map((answer) => answer.photoId);
  expect((await platform.api.post('/v1/uploads/complete', { items: ids.map((photoId) => ({ photoId })) }, who.accessToken)).status).toBe(200);
  const states = await settled(platform.api, who.accessToken, ids, PROCESSING_MS);
  expect(Object.values(states).map((s) => s.status)).toEqual(ids.map(() => 'ready'));
  return ids;
}

// The web stack keeps the screens below the current one in the page, hidden: only visible elements count.
const control = (page: Page, name: string | RegExp): Locator =>
  page.getByRole('button', { name, exact: true }).or(page.getByRole('tab', { name, exact: true })).or(page.getByRole('radio', { name, exact: true })).filter({ visible: true }).first();
const field = (page: Page, label: string): Locator => page.getByLabel(label, { exact: true }).filter({ visible: true });
const text = (page: Page, value: string | RegExp): Locator => page.getByText(value, { exact: true }).filter({ visible: true }).first();
const tile = (page: Page, filename: string): Locator => page.getByRole('button', { name: `Photo ${filename}`, exact: true }).filter({ visible: true });

let shoot: ReturnType<typeof screenshotter>;
const shot = (page: Page, name: string) => shoot(name, page);

/** The images are the server's, loaded (not the ThumbHash placeholder, a data: URL). */
async function imagesLoaded(images: Locator): Promise<void> {
  await waitUntil(async () => {
    const found = await images.evaluateAll((found) => found.map((e) => ({ complete: (e as unknown as { complete: boolean }).complete, width: (e as unknown as { naturalWidth: number }).naturalWidth, src: (e as unknown as { src: string }).src })));
    const remote = found.filter((i) => /^https?:/.test(i.src));
    return (remote.length > 0 && remote.every((i) => i.complete && i.width > 0)) || undefined;
  }, 20_000);
}

async function signIn(who: Person): Promise<Page> {
  who.context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  who.context.setDefaultTimeout(15_000);
  const page = await who.context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(platform.url);
  await field(page, 'Email').fill(who.email);
  await field(page, 'Password').fill(GOOD_PASSWORD);
  await control(page, 'Log in').click();
  await control(page, 'Albums').waitFor();
  who.page = page;
  return page;
}

beforeAll(async () => {
  browser = await launchChromium();
  platform = await startPlatform();
  shoot = screenshotter(undefined, 'sharing-');
  [ada, grace] = await Promise.all([person(platform.api, 'Ada Lovelace', 'ada'), person(platform.api, 'Grace Hopper', 'grace')]);
  adaPhotos.push(...(await uploadScenes(ada, 5)));
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await platform?.close();
}, 60_000);

let failed: string | undefined;
/** One step of the story; after a failed one the rest fail at once (they need its state). */
function step(name: string, run: () => Promise<void>, timeoutMs = STEP_MS): void {
  it(
    name,
    async () => {
      if (failed) throw new Error(`not run: an earlier step failed (${failed})`);
      failed = name;
      try {
        await run();
      } catch (error) {
        for (const who of [ada, grace]) if (who?.page) await shot(who.page, `FAILED-${who.name.split(' ')[0]}`).catch(() => undefined);
        throw error;
      }
      expect(pageErrors).toEqual([]);
      failed = undefined;
    },
    timeoutMs,
  );
}

step('A makes an album from Home with a multi-select, adds more photos in the album and sets its cover', async () => {
  const page = await signIn(ada);
  await control(page, 'Albums').click();
  await text(page, 'No albums yet').waitFor();
  await shot(page, 'albums-empty');

  await control(page, 'Photos').click();
  await control(page, 'Select').click();
  for (const n of [1, 2, 3]) await tile(page, `beach-${n}.jpg`).click();
  await expect(tile(page, 'beach-2.jpg').getAttribute('aria-selected')).resolves.toBe('true');
  await shot(page, 'home-selecting');
  await control(page, 'Add to album').click();
  await control(page, 'New album').click();
  await field(page, 'Album name').fill(ALBUM);
  await shot(page, 'add-to-album-new');
  await control(page, 'Create and add').click();
  await text(page, `3 photos added to “${ALBUM}”.`).waitFor();
  await shot(page, 'add-to-album-done');
  await control(page, 'Open album').click();
  await tile(page, 'beach-1.jpg').waitFor();

  // The album's own picker: the photos already in it are skipped.
  await control(page, 'Add photos').click();
  for (const n of [4, 5, 1]) await tile(page, `beach-${n}.jpg`).click();
  await shot(page, 'album-add-photos');
  await control(page, 'Add 3').click();
  await text(page, '2 photos added, 1 already in the album').waitFor();
  await tile(page, 'beach-5.jpg').waitFor();

  await tile(page, 'beach-4.jpg').click();
  await control(page, 'Set as cover').click();
  await text(page, 'This photo is now the album’s cover').waitFor();
  await imagesLoaded(page.locator('img').filter({ visible: true }));
  await shot(page, 'album-photo');
  await page.goBack();
  await text(page, '5 photos').waitFor();
  await imagesLoaded(page.getByTestId('album-grid').filter({ visible: true }).locator('img'));
  await shot(page, 'album-owner');
});

step('A shares the album with B as a contributor and makes a collect link', async () => {
  const page = ada.page!;
  await control(page, 'Share').click();
  await control(page, 'Contributor').click();
  await field(page, 'Email').fill(grace.email);
  await control(page, 'Share by email').click();
  await text(page, 'Shared with Grace Hopper as contributor').waitFor();

  await control(page, 'Collect link').click();
  await control(page, 'Create collect link').click();
  await text(page, 'Collect link created: anyone with it can add photos.').waitFor();
  const shown = page.getByText(/\/s\//).filter({ visible: true });
  await shown.first().waitFor();
  const urls = await shown.allTextContents();
  expect(urls).toHaveLength(1);
  collectUrl = urls[0]!.trim();
  expect(collectUrl.startsWith(`${platform.url}/s/`)).toBe(true);
  // Copy puts the whole link on the clipboard (the page shows it on one line, cut short).
  await ada.context!.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: platform.url });
  await control(page, 'Copy link').click();
  await text(page, 'Link copied').waitFor();
  expect(await page.evaluate('navigator.clipboard.readText()')).toBe(collectUrl);
  // The sheet scrolls inside the page: its top, then its links.
  await page.getByTestId('share-sheet').filter({ visible: true }).evaluate((element) => (element as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
  await shot(page, 'share-sheet');
  await control(page, 'Revoke collect link').scrollIntoViewIfNeeded();
  await shot(page, 'share-sheet-links');
});

step('A invites B into a family; B accepts the invitation from the Family tab', async () => {
  const page = ada.page!;
  // Share sheet -> album -> Photos (the album was opened from Home's Add to album).
  await control(page, 'Back').click();
  await tile(page, 'beach-1.jpg').waitFor();
  await control(page, 'Back').click();
  await control(page, 'Family').click();
  await text(page, 'Start a family').waitFor();
  await field(page, 'Email').fill(grace.email);
  await control(page, 'Send invite').click();
  await text(page, `Invite sent to ${grace.email.toLowerCase()}`).or(text(page, `Invite sent to ${grace.email}`)).first().waitFor();
  await shot(page, 'family-organiser');

  const other = await signIn(grace);
  await control(other, 'Family').click();
  await text(other, 'Ada Lovelace invited you to their family').waitFor();
  await shot(other, 'family-invitation');
  await control(other, 'Accept').click();
  await text(other, 'Welcome to the family').waitFor();
  await text(other, 'Grace Hopper (you)').waitFor();
  await shot(other, 'family-member');
});

step('B sees the album under Shared with me and opens it as a contributor', async () => {
  const page = grace.page!;
  await control(page, 'Albums').click();
  await control(page, 'Shared with me').click();
  const card = page.getByRole('button', { name: `Album ${ALBUM}`, exact: true }).filter({ visible: true });
  await card.waitFor();
  await imagesLoaded(card.locator('img'));
  await shot(page, 'shared-with-me');
  await card.click();
  await tile(page, 'beach-1.jpg').waitFor();
  await text(page, 'You can add your own photos and remove the ones you added.').waitFor();
  await imagesLoaded(page.getByTestId('album-grid').filter({ visible: true }).locator('img'));
  await shot(page, 'album-contributor');
});

step('a guest adds a photo through the collect link page, without signing in; A sees it, named', async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  try {
    const guest = await context.newPage();
    await guest.goto(collectUrl);
    await guest.getByLabel('Your name').fill(GUEST);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guest-'));
    const file = path.join(dir, 'from-the-party.jpg');
    fs.writeFileSync(file, await scene(11));
    const [chooser] = await Promise.all([guest.waitForEvent('filechooser'), guest.getByLabel('Photos').click()]);
    await chooser.setFiles(file);
    await shot(guest, 'guest-collect-page');
    await guest.getByRole('button', { name: 'Add photos' }).click();
    await guest.getByText(/from-the-party\.jpg/).first().waitFor();
    await shot(guest, 'guest-added');
    fs.rmSync(dir, { recursive: true, force: true });
  } finally {
    await context.close();
  }

  const page = ada.page!;
  await control(page, 'Albums').click();
  await page.getByRole('button', { name: `Album ${ALBUM}`, exact: true }).filter({ visible: true }).click();
  await waitUntil(async () => {
    if (await tile(page, 'from-the-party.jpg').isVisible()) return true;
    await page.reload();
    await text(page, /^\d+ photos/).waitFor();
    return undefined;
  }, PROCESSING_MS);
  await tile(page, 'from-the-party.jpg').getByText(`Guest: ${GUEST}`).waitFor();
  await imagesLoaded(page.getByTestId('album-grid').filter({ visible: true }).locator('img'));
  await shot(page, 'album-with-guest-photo');
});

step('lays out the albums and an album in a desktop browser window', async () => {
  const page = ada.page!;
  await page.setViewportSize({ width: 1280, height: 800 });
  await tile(page, 'from-the-party.jpg').waitFor();
  await imagesLoaded(page.getByTestId('album-grid').filter({ visible: true }).locator('img'));
  await shot(page, 'desktop-album');
  // Opened by its URL, as a bookmark would.
  await page.goto(`${platform.url}/albums`);
  const card = page.getByRole('button', { name: `Album ${ALBUM}`, exact: true }).filter({ visible: true });
  await card.waitFor();
  await imagesLoaded(card.locator('img'));
  await shot(page, 'desktop-albums');
});
