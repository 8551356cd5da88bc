import path from 'node:path';
import type { Browser, Locator, Page } from '../../mobile/node_modules/playwright-core/index.js';
import { GOOD_PASSWORD, latestCode, mailTo, uniqueEmail, waitUntil } from '../helpers/accounts.js';
import { launchChromium, screenshotter } from './browser.js';
import { holdRequests } from './hold.js';
import { startPlatform, type Platform } from './platform.js';

/**
 * The product in a real browser: the app's web build on the real API and local AWS stack, driven
 * through the accessible names the screens promise (their component tests in mobile/test/screens use them too).
 * The tests run in order, one user's story; every screen is saved to artifacts/screenshots/.
 */

const FIXTURES = path.resolve(__dirname, '../fixtures/images');
const FIRST_PHOTOS = ['exif.jpg', 'rotated-6.jpg', 'photo.png'];
const UPLOADED_DURING_RESTART = 'photo.webp';
const NEW_PASSWORD = 'Brighter-Photos-2027';
const STEP_MS = 90_000;
/**
 * Photo processing (job workers, a decoder process started on first use) on a busy 2-core machine, plus
 * Home's quiet revalidation while uploads are processed (after 2, 4, 8 s, then every 15 s).
 */
const PROCESSING_MS = 50_000;

let platform: Platform;
let browser: Browser;
let page: Page;
let shot: (name: string) => Promise<void>;
const email = uniqueEmail('e2e');
let password = GOOD_PASSWORD;
const pageErrors: string[] = [];

// The web stack keeps the screens below the current one in the page, hidden: only visible elements count.
/** A button or link by its exact accessible name (links: "Create an account", "Forgot your password?"). */
const control = (name: string): Locator =>
  page.getByRole('button', { name, exact: true }).or(page.getByRole('link', { name, exact: true })).filter({ visible: true }).first();
const field = (label: string): Locator => page.getByLabel(label, { exact: true }).filter({ visible: true });
const text = (value: string | RegExp): Locator => page.getByText(value, { exact: true }).filter({ visible: true });
const tile = (filename: string): Locator => page.getByRole('button', { name: `Photo ${filename}`, exact: true }).filter({ visible: true });
const uploadRow = (filename: string): Locator => page.locator('[data-testid^="upload-"]').filter({ hasText: filename, visible: true });
/** The confirm button of the app's dialog (the screen behind it may have a button of the same name). */
const confirmInDialog = (name: string): Locator => page.getByRole('alert').getByRole('button', { name, exact: true }).filter({ visible: true });
const isBucket = (url: URL) => url.origin === new URL(platform.stack.endpoints.s3).origin;
const until = (condition: () => boolean | Promise<boolean>, timeoutMs?: number) => waitUntil(async () => ((await condition()) ? true : undefined), timeoutMs);

async function choosePhotos(filenames: string[]): Promise<void> {
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), control('Choose photos').click()]);
  await chooser.setFiles(filenames.map((name) => path.join(FIXTURES, name)));
}

/** What the test reads of an <img> (the root's TypeScript has no DOM types). */
interface LoadedImage {
  complete: boolean;
  naturalWidth: number;
  src: string;
}

/** The tile shows the server's thumbnail, loaded (not the ThumbHash placeholder, a data: URL). */
async function thumbnailShown(filename: string): Promise<void> {
  await waitUntil(async () => {
    const images = await tile(filename)
      .locator('img')
      .evaluateAll((found) =>
        found.map((element) => {
          const image = element as unknown as LoadedImage;
          return { complete: image.complete, naturalWidth: image.naturalWidth, src: image.src };
        }),
      );
    return images.some((image) => image.complete && image.naturalWidth > 0 && /^https?:/.test(image.src)) || undefined;
  }, PROCESSING_MS);
}

type ListedPhoto = { id: string; filename: string; sha256: string };
let accessToken: string | undefined;

/** The user's timeline as the API lists it (the test's own session: signed in again once it was ended). */
async function photosListed(): Promise<ListedPhoto[]> {
  for (let attempt = 0; ; attempt += 1) {
    if (!accessToken) {
      const login = await platform.api.post<{ accessToken: string }>('/v1/auth/login', { email, password });
      expect(login.status).toBe(200);
      accessToken = login.body.accessToken;
    }
    const listed = await platform.api.get<{ items: ListedPhoto[] }>('/v1/photos?limit=200', accessToken);
    if (listed.status === 401 && attempt === 0) {
      accessToken = undefined;
      continue;
    }
    expect(listed.status).toBe(200);
    return listed.body.items;
  }
}

beforeAll(async () => {
  // The browser first: without it the run fails at once, with the way to install it.
  browser = await launchChromium();
  platform = await startPlatform();
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  context.setDefaultTimeout(15_000);
  page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  shot = screenshotter(page);
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await platform?.close();
}, 60_000);

let unfinishedStep: string | undefined;

/** One step of the story; after a failed one the rest fail at once (they need its state) instead of timing out. */
function step(name: string, run: () => Promise<void>, timeoutMs = STEP_MS): void {
  it(
    name,
    async () => {
      if (unfinishedStep) throw new Error(`not run: an earlier step failed (${unfinishedStep})`);
      unfinishedStep = name;
      try {
        await run();
      } catch (error) {
        await shot?.('FAILED').catch(() => undefined);
        throw error;
      }
      expect(pageErrors).toEqual([]);
      unfinishedStep = undefined;
    },
    timeoutMs,
  );
}

step('signs up, confirms with the mailed code (after asking for a new one) and opens an empty Home', async () => {
  await page.goto(platform.url);
  await control('Log in').waitFor();
  await shot('login');

  await control('Create an account').click();
  await field('Name').fill('Ada Lovelace');
  await field('Email').fill(email);
  await field('Password').fill(password);
  await shot('sign-up');
  await control('Create account').click();

  await field('Confirmation code').waitFor();
  await shot('sign-up-confirm');
  const verification = /verification/i;
  const codesMailed = async () => (await mailTo(platform.api, email)).filter((mail) => verification.test(mail.subject)).length;
  await until(async () => (await codesMailed()) === 1);
  await control('Send a new code').click();
  await until(async () => (await codesMailed()) === 2);
  await field('Confirmation code').fill(await latestCode(platform.api, email, verification));
  await control('Confirm').click();

  await text('No photos yet').waitFor();
  await control('Upload photos').waitFor();
  await shot('home-empty');
});

step('uploads three photos through the file chooser and shows their thumbnails on Home', async () => {
  await control('Upload photos').click();
  await control('Choose photos').waitFor();
  await shot('uploading-empty');
  // The PUTs to the bucket wait until the screen has been seen mid-upload.
  const puts = await holdRequests(page, isBucket, 'PUT');
  await choosePhotos(FIRST_PHOTOS);
  await until(() => puts.seen().length > 0);
  await page.locator('[data-testid^="upload-"]').getByText('Uploading', { exact: true }).filter({ visible: true }).first().waitFor();
  await shot('uploading-in-progress');
  await puts.release();
  for (const filename of FIRST_PHOTOS) await uploadRow(filename).getByText('Uploaded', { exact: true }).waitFor();
  await shot('uploading-done');

  // Home shows them by itself once the server has processed them (no refresh by the person).
  await page.goBack();
  for (const filename of FIRST_PHOTOS) await thumbnailShown(filename);
  await shot('home-grid');
});

step('after a reload, draws the grid from the cache before the timeline request is answered', async () => {
  const timeline = await holdRequests(page, (url) => url.origin === platform.url && url.pathname === '/v1/photos');
  await page.reload();
  for (const filename of FIRST_PHOTOS) await tile(filename).waitFor();
  // The app did ask the network (stale-while-revalidate), and that request is still held.
  await until(() => timeline.seen().length > 0);
  await shot('home-from-cache');
  await timeline.release();
  for (const filename of FIRST_PHOTOS) await thumbnailShown(filename);
});

step('finishes an upload after the API stopped in the middle of it and started again, with no duplicate', async () => {
  await control('Upload photos').click();
  await control('Choose photos').waitFor();
  const put = await holdRequests(page, isBucket, 'PUT');
  await choosePhotos([UPLOADED_DURING_RESTART]);
  await until(() => put.seen().length > 0);

  await platform.stopApi();
  // The bytes reach the bucket; telling the API they are there fails until it is back.
  await put.release();
  await uploadRow(UPLOADED_DURING_RESTART).getByText(/^Waiting to retry/).waitFor();
  await shot('uploading-api-down');
  // Home without the API: the saved photos, saying it is offline.
  await page.goBack();
  await control('Refresh').click();
  await page.getByTestId('offline-banner').filter({ visible: true }).waitFor();
  await tile(FIRST_PHOTOS[0]!).waitFor();
  await shot('home-offline');

  await platform.startApi();
  await control('Upload photos').click();
  // No "Retry now": the queue's own backoff must bring it through.
  await uploadRow(UPLOADED_DURING_RESTART).getByText('Uploaded', { exact: true }).waitFor({ timeout: 30_000 });
  await shot('uploading-resumed');
  // It went on from where it stopped: the bytes were sent once.
  expect(put.seen()).toHaveLength(1);

  // The timeline lists processed photos: wait for the fourth, then check it is the only new one.
  const everyPhoto = [...FIRST_PHOTOS, UPLOADED_DURING_RESTART];
  await until(async () => (await photosListed()).length >= everyPhoto.length, PROCESSING_MS);
  const listed = await photosListed();
  expect(listed.map((photo) => photo.filename).sort()).toEqual(everyPhoto.sort());
  expect(new Set(listed.map((photo) => photo.id)).size).toBe(listed.length);
  expect(new Set(listed.map((photo) => photo.sha256)).size).toBe(listed.length);
});

step('says a photo already in the library is already there instead of uploading it again', async () => {
  const puts = await holdRequests(page, isBucket, 'PUT');
  await choosePhotos([FIRST_PHOTOS[0]!]);
  await uploadRow(FIRST_PHOTOS[0]!).getByText('Already in your library', { exact: true }).first().waitFor();
  await shot('uploading-duplicate');
  expect(puts.seen()).toEqual([]);
  await puts.release();
  expect(await photosListed()).toHaveLength(FIRST_PHOTOS.length + 1);
});

step('keeps an upload through a reload of the page (the picked file kept in IndexedDB) and says when a file is not a photo', async () => {
  const photo = 'photo.gif';
  const notAPhoto = 'text.jpg';
  const puts = await holdRequests(page, isBucket, 'PUT');
  await choosePhotos([photo]);
  await until(() => puts.seen().length > 0);
  // The page goes in the middle of the PUT: its blob: URL dies with it, the kept copy does not.
  await page.reload();
  await uploadRow(photo).waitFor();
  await until(() => puts.seen().length > 1);
  await puts.release();
  await uploadRow(photo).getByText('Uploaded', { exact: true }).waitFor({ timeout: 30_000 });
  await until(async () => (await photosListed()).some((listed) => listed.filename === photo), PROCESSING_MS);
  expect((await photosListed()).filter((listed) => listed.filename === photo)).toHaveLength(1);

  // The server takes the bytes, then its processing finds they are no photo: the row says so.
  await choosePhotos([notAPhoto]);
  await uploadRow(notAPhoto).getByText('Failed: the file is not a photo', { exact: true }).waitFor({ timeout: PROCESSING_MS });
  await shot('uploading-reloaded-and-rejected');
  await control('Clear finished').click();
  await uploadRow(photo).waitFor({ state: 'detached' });
  await uploadRow(notAPhoto).waitFor({ state: 'detached' });

  // Opened by its URL after the reload, Uploads still has Photos beneath it.
  await control('Back').click();
  await control('Upload photos').waitFor();
  expect(await photosListed()).toHaveLength(FIRST_PHOTOS.length + 2);
});

step('opens a photo with its details, moves it to the trash and restores it from the trash', async () => {
  const photo = FIRST_PHOTOS[0]!;
  await tile(photo).click();
  await control('Move to trash').waitFor();
  await page.getByText(/iPhone 15 Pro/).filter({ visible: true }).first().waitFor();
  await shot('photo-viewer');

  await control('Move to trash').click();
  await confirmInDialog('Move to trash').waitFor();
  await shot('photo-trash-confirm');
  await confirmInDialog('Move to trash').click();
  await control('Upload photos').waitFor();
  await tile(FIRST_PHOTOS[1]!).waitFor();
  await tile(photo).waitFor({ state: 'detached' });

  await control('Account').click();
  await control('Trash').click();
  await tile(photo).waitFor();
  await shot('trash');
  await tile(photo).click();
  await control('Restore').waitFor();
  await shot('photo-viewer-in-trash');
  await control('Restore').click();
  // Back in the trash, without it; the API and Home have it again.
  await tile(photo).waitFor({ state: 'detached' });
  await shot('trash-empty');
  await until(async () => (await photosListed()).some((listed) => listed.filename === photo));
  await page.goBack();
  await page.goBack();
  await thumbnailShown(photo);
});

step('shows the account with its email and usage, and asks before deleting it', async () => {
  await control('Account').click();
  await text(email.toLowerCase()).or(text(email)).first().waitFor();
  await page.getByText(/ of /).filter({ visible: true }).first().waitFor();
  await shot('account');
  await control('Delete account').click();
  await confirmInDialog('Delete my account').waitFor();
  await shot('account-delete-confirm');
  await confirmInDialog('Cancel').click();
  await confirmInDialog('Delete my account').waitFor({ state: 'detached' });
});

step('signs out, resets the password with the mailed code and logs in with the new one', async () => {
  await control('Sign out').click();
  await control('Log in').waitFor();
  await control('Forgot your password?').click();
  await field('Email').fill(email);
  await shot('reset-password');
  await control('Send code').click();
  await field('New password').waitFor();
  await shot('reset-password-code');
  const code = await waitUntil(() => latestCode(platform.api, email, /reset/i).catch(() => undefined));
  await field('Code').fill(code);
  await field('New password').fill(NEW_PASSWORD);
  await control('Set new password').click();
  await control('Log in').waitFor();
  await shot('login-password-changed');

  await field('Email').fill(email);
  await field('Password').fill(password);
  await control('Log in').click();
  await page.getByRole('alert').filter({ hasText: /incorrect/i, visible: true }).waitFor();
  await shot('login-refused');

  password = NEW_PASSWORD;
  await field('Password').fill(password);
  await control('Log in').click();
  for (const filename of [...FIRST_PHOTOS, UPLOADED_DURING_RESTART]) await thumbnailShown(filename);
  await shot('home-grid-after-login');
});

step('lays out Home on a narrow phone, and Home, the viewer and Login in a desktop browser window', async () => {
  await page.setViewportSize({ width: 360, height: 740 });
  await control('Account').waitFor();
  await shot('home-narrow-phone');
  await page.setViewportSize({ width: 1280, height: 800 });
  for (const filename of FIRST_PHOTOS) await thumbnailShown(filename);
  await shot('desktop-home');
  await tile(FIRST_PHOTOS[0]!).click();
  await control('Move to trash').waitFor();
  await shot('desktop-photo-viewer');
  await page.goBack();
  await control('Account').click();
  await control('Sign out').click();
  await control('Log in').waitFor();
  await shot('desktop-login');
});
