import { fireEvent, screen, waitFor, within } from '@testing-library/react-native';
import * as ImagePicker from 'expo-image-picker';
import type { ImagePickerAsset } from 'expo-image-picker';
import { problem, type FakeAnswer, type FakeRequest } from '../helpers/fake-http';
import { MemoryStore } from '../helpers/memory-store';
import { renderApp } from '../helpers/render-app';

// The whole app renders in each test, on a machine shared with other jobs: be patient with findBy/waitFor.

// The platform's picker is the one thing faked below the screen: pick-photos.ts runs for real.
jest.mock('expo-image-picker', () => ({
  ...jest.requireActual('expo-image-picker'),
  requestMediaLibraryPermissionsAsync: jest.fn(),
  launchImageLibraryAsync: jest.fn(),
}));
const picker = jest.mocked(ImagePicker);

const UPLOAD_KEYS = /^av:uploads:v\d+:user-1:/;

/** Photos on the "device": bytes by URI, each with its own content (so its own checksum). */
class Device {
  readonly files = new Map<string, Uint8Array>();
  photo(name: string, mimeType = 'image/jpeg'): ImagePickerAsset {
    const uri = `file:///DCIM/${name}`;
    this.files.set(uri, new TextEncoder().encode(`bytes of ${name}`));
    return { uri, fileName: name, mimeType, width: 4032, height: 3024 };
  }
  readonly bytes = {
    read: async (source: { uri: string }) => {
      const bytes = this.files.get(source.uri);
      if (!bytes) throw new Error(`ENOENT ${source.uri}`);
      return bytes;
    },
  };
  readonly sha256 = async (bytes: Uint8Array) => `sha-${Array.from(bytes).join('.')}`;
}

/**
 * The API's upload protocol and S3 behind the fake adapter: a reservation per content, a presigned
 * PUT (absolute URL), complete answering processing once the object arrived. `override` answers
 * first (a refusal, no network, an answer that never comes).
 */
function uploadServer(options: { owned?: string[]; override?: (request: FakeRequest) => FakeAnswer | Promise<FakeAnswer> | undefined } = {}) {
  const owned = new Set(options.owned ?? []);
  const reservations = new Map<string, { photoId: string; received: boolean }>();
  const handler = async (request: FakeRequest): Promise<FakeAnswer> => {
    const overridden = await options.override?.(request);
    if (overridden) return overridden;
    if (request.method === 'GET' && request.url === '/v1/photos') return { status: 200, body: { items: [], nextCursor: null } };
    if (request.method === 'POST' && request.url === '/v1/uploads') {
      const { items } = request.body as { items: { clientRef: string; contentType: string; sha256: string }[] };
      return {
        status: 200,
        body: {
          items: items.map((item) => {
            if (owned.has(item.sha256)) return { clientRef: item.clientRef, status: 'duplicate', photoId: `owned-${item.sha256}` };
            const reservation = reservations.get(item.sha256) ?? { photoId: `photo-${reservations.size + 1}`, received: false };
            reservations.set(item.sha256, reservation);
            const upload = { method: 'PUT', url: `https://s3.test/${reservation.photoId}`, headers: { 'content-type': item.contentType }, expiresAt: new Date(Date.now() + 900_000).toISOString() };
            return { clientRef: item.clientRef, status: 'upload', photoId: reservation.photoId, upload };
          }),
        },
      };
    }
    if (request.method === 'PUT' && request.url.startsWith('https://s3.test/')) {
      const photoId = request.url.slice('https://s3.test/'.length);
      const reservation = [...reservations.values()].find((r) => r.photoId === photoId);
      if (!reservation) return { status: 404, body: 'NoSuchKey' };
      reservation.received = true;
      return { status: 200, headers: { etag: `"etag-${photoId}"` } };
    }
    if (request.method === 'POST' && request.url === '/v1/uploads/complete') {
      const { items } = request.body as { items: { photoId: string }[] };
      const answer = (photoId: string) => ([...reservations.values()].find((r) => r.photoId === photoId)?.received ? 'processing' : 'missing');
      return { status: 200, body: { items: items.map((i) => ({ photoId: i.photoId, status: answer(i.photoId) })) } };
    }
    return problem(404, 'Not Found');
  };
  return { handler, reservations };
}

function pick(...assets: ImagePickerAsset[]) {
  picker.launchImageLibraryAsync.mockResolvedValueOnce({ canceled: false, assets });
}

async function openUploads() {
  // Home offers "Upload photos" in its header and, while empty, in its empty state.
  fireEvent.press((await screen.findAllByRole('button', { name: 'Upload photos' }))[0]!);
}

async function chooseOn(button = 'Choose photos') {
  fireEvent.press(await screen.findByRole('button', { name: button }));
}

const rows = () => screen.queryAllByTestId(/^upload-/);
/** The row that shows this filename (once it is there). */
async function rowOf(filename: string) {
  await screen.findByText(filename);
  return rows().find((row) => within(row).queryByText(filename) !== null)!;
}

beforeEach(() => {
  jest.clearAllMocks();
  picker.requestMediaLibraryPermissionsAsync.mockResolvedValue({ granted: true, canAskAgain: true, status: ImagePicker.PermissionStatus.GRANTED, expires: 'never' });
});

test('three chosen photos get a row each and all reach "Uploaded" through the presigned PUTs', async () => {
  const device = new Device();
  const server = uploadServer();
  const { requests } = await renderApp({ signedIn: true, handler: server.handler, bytes: device.bytes, sha256: device.sha256 });
  await openUploads();
  await screen.findByText('Nothing uploading');
  pick(device.photo('IMG_1.jpg'), device.photo('IMG_2.HEIC', 'image/heic'), device.photo('IMG_3.png', 'image/png'));
  await chooseOn();

  await waitFor(() => expect(rows()).toHaveLength(3));
  await waitFor(() => expect(screen.getAllByText('Uploaded')).toHaveLength(3));
  expect(screen.getByText('3 of 3 uploaded')).toBeOnTheScreen();
  for (const name of ['IMG_1.jpg', 'IMG_2.HEIC', 'IMG_3.png']) expect(within(await rowOf(name)).getByText('Uploaded')).toBeOnTheScreen();

  expect(picker.requestMediaLibraryPermissionsAsync).toHaveBeenCalled();
  expect(picker.launchImageLibraryAsync).toHaveBeenCalledWith(expect.objectContaining({ mediaTypes: ['images'], allowsMultipleSelection: true, selectionLimit: 50, quality: 1 }));
  const asked = requests.find((r) => r.url === '/v1/uploads')!.body as { items: { filename: string; contentType: string }[] };
  expect(asked.items.map((i) => [i.filename, i.contentType])).toEqual([
    ['IMG_1.jpg', 'image/jpeg'],
    ['IMG_2.HEIC', 'image/heic'],
    ['IMG_3.png', 'image/png'],
  ]);
  const puts = requests.filter((r) => r.method === 'PUT');
  expect(puts.map((r) => r.url).sort()).toEqual(['https://s3.test/photo-1', 'https://s3.test/photo-2', 'https://s3.test/photo-3']);
  // Only the signed headers go to S3: the API's bearer token must not.
  expect(puts.every((r) => r.headers.authorization === undefined)).toBe(true);

  fireEvent.press(screen.getByRole('button', { name: 'Clear finished' }));
  expect(await screen.findByText('Nothing uploading')).toBeOnTheScreen();
});

test('a photo the library already has says so and is not sent', async () => {
  const device = new Device();
  const photo = device.photo('Copy.jpg');
  const server = uploadServer({ owned: [await device.sha256(device.files.get(photo.uri)!)] });
  const { requests } = await renderApp({ signedIn: true, handler: server.handler, bytes: device.bytes, sha256: device.sha256 });
  await openUploads();
  await screen.findByText('Nothing uploading');
  pick(photo);
  await chooseOn();

  expect(within(await rowOf('Copy.jpg')).getByText('Already in your library')).toBeOnTheScreen();
  expect(requests.some((r) => r.method === 'PUT')).toBe(false);
  expect(screen.getByText('1 of 1 uploaded')).toBeOnTheScreen();
});

test('a refused photo says why; Retry sends it again', async () => {
  const device = new Device();
  let refuse = true;
  const server = uploadServer({
    override: (request) => (refuse && request.url === '/v1/uploads' ? problem(409, 'Conflict', { detail: 'Your storage is full' }) : undefined),
  });
  const { requests } = await renderApp({ signedIn: true, handler: server.handler, bytes: device.bytes, sha256: device.sha256 });
  await openUploads();
  await screen.findByText('Nothing uploading');
  pick(device.photo('Big.jpg'));
  await chooseOn();

  const row = await rowOf('Big.jpg');
  expect(await within(row).findByText('Failed: Your storage is full')).toBeOnTheScreen();
  expect(screen.getByText('1 needs your attention')).toBeOnTheScreen();
  const asked = requests.filter((r) => r.url === '/v1/uploads').length;

  refuse = false;
  fireEvent.press(screen.getByRole('button', { name: 'Retry Big.jpg' }));
  expect(await within(await rowOf('Big.jpg')).findByText('Uploaded')).toBeOnTheScreen();
  expect(requests.filter((r) => r.url === '/v1/uploads').length).toBe(asked + 1);
  expect(screen.queryByRole('button', { name: 'Retry Big.jpg' })).toBeNull();
});

test('Remove drops an unfinished item from the screen and from storage', async () => {
  const device = new Device();
  // The server never answers the request for URLs: the item stays unfinished.
  const server = uploadServer({ override: (request) => (request.url === '/v1/uploads' ? new Promise<FakeAnswer>(() => undefined) : undefined) });
  const { storage } = await renderApp({ signedIn: true, handler: server.handler, bytes: device.bytes, sha256: device.sha256 });
  await openUploads();
  await screen.findByText('Nothing uploading');
  pick(device.photo('Keep.jpg'), device.photo('Drop.jpg'));
  await chooseOn();
  await waitFor(() => expect(rows()).toHaveLength(2));
  expect([...storage.data.keys()].filter((k) => UPLOAD_KEYS.test(k))).toHaveLength(2);

  fireEvent.press(screen.getByRole('button', { name: 'Remove Drop.jpg' }));
  await waitFor(() => expect(screen.queryByText('Drop.jpg')).toBeNull());
  expect(rows()).toHaveLength(1);
  const stored = [...storage.data.entries()].filter(([k]) => UPLOAD_KEYS.test(k)).map(([, v]) => JSON.parse(v).source.filename);
  expect(stored).toEqual(['Keep.jpg']);
});

test('after a restart the unfinished item is still there and finishes', async () => {
  const device = new Device();
  const storage = new MemoryStore();
  // First run: the app dies while the PUT is in flight (that answer never comes).
  let dead = true;
  const server = uploadServer({ override: (request) => (dead && request.method === 'PUT' ? new Promise<FakeAnswer>(() => undefined) : undefined) });
  const first = await renderApp({ signedIn: true, storage, handler: server.handler, bytes: device.bytes, sha256: device.sha256 });
  await openUploads();
  await screen.findByText('Nothing uploading');
  pick(device.photo('Trip.jpg'));
  await chooseOn();
  expect(await within(await rowOf('Trip.jpg')).findByText('Uploading')).toBeOnTheScreen();
  first.unmount();

  // Second run over the same storage: nothing is picked again, the stored item carries on.
  dead = false;
  const second = await renderApp({ storage, handler: server.handler, bytes: device.bytes, sha256: device.sha256 });
  await openUploads();
  expect(await within(await rowOf('Trip.jpg')).findByText('Uploaded')).toBeOnTheScreen();
  expect(picker.launchImageLibraryAsync).toHaveBeenCalledTimes(1);
  // It resumed where it stopped: no second request for URLs, one PUT.
  expect(second.requests.filter((r) => r.url === '/v1/uploads')).toHaveLength(0);
  expect(second.requests.filter((r) => r.method === 'PUT')).toHaveLength(1);
  await waitFor(() => expect([...storage.data.keys()].filter((k) => UPLOAD_KEYS.test(k))).toHaveLength(0));
});

test('more than 50 picked: the first 50 are queued, in one request, and the user is told', async () => {
  const device = new Device();
  const server = uploadServer({ override: (request) => (request.url === '/v1/uploads' ? new Promise<FakeAnswer>(() => undefined) : undefined) });
  const { requests, storage } = await renderApp({ signedIn: true, handler: server.handler, bytes: device.bytes, sha256: device.sha256 });
  await openUploads();
  await screen.findByText('Nothing uploading');
  pick(...Array.from({ length: 53 }, (_, i) => device.photo(`P${i + 1}.jpg`)));
  await chooseOn();

  expect(await screen.findByText('You picked 53 photos: the first 50 are uploading. Choose the other 3 next.')).toBeOnTheScreen();
  expect(await screen.findByText('0 of 50 uploaded')).toBeOnTheScreen();
  await waitFor(() => expect(requests.filter((r) => r.url === '/v1/uploads')).toHaveLength(1));
  const asked = (requests.find((r) => r.url === '/v1/uploads')!.body as { items: { filename: string }[] }).items.map((i) => i.filename);
  // In the order picked, past 36 items added in one millisecond too.
  expect(asked).toEqual(Array.from({ length: 50 }, (_, i) => `P${i + 1}.jpg`));
  expect([...storage.data.keys()].filter((k) => UPLOAD_KEYS.test(k))).toHaveLength(50);
});

test('a file that is not a photo is reported and not queued; the photos beside it are', async () => {
  const device = new Device();
  const server = uploadServer();
  await renderApp({ signedIn: true, handler: server.handler, bytes: device.bytes, sha256: device.sha256 });
  await openUploads();
  await screen.findByText('Nothing uploading');
  pick(device.photo('Clip.mov', 'video/quicktime'), device.photo('Ok.webp', 'image/webp'));
  await chooseOn();

  expect(await screen.findByText("Clip.mov can't be uploaded: only photos (JPEG, PNG, HEIC, WebP, AVIF, GIF, DNG)")).toBeOnTheScreen();
  expect(within(await rowOf('Ok.webp')).getByText(/Uploaded|Uploading|Preparing|Waiting|Finishing/)).toBeOnTheScreen();
  expect(rows()).toHaveLength(1);
  expect(screen.queryByText('Clip.mov')).toBeNull();
});

test('a denied photo library says how to allow it and opens no picker', async () => {
  picker.requestMediaLibraryPermissionsAsync.mockResolvedValue({ granted: false, canAskAgain: false, status: ImagePicker.PermissionStatus.DENIED, expires: 'never' });
  await renderApp({ signedIn: true, handler: uploadServer().handler });
  await openUploads();
  await chooseOn();

  expect(await screen.findByText(/needs access to your photo library/)).toBeOnTheScreen();
  expect(screen.getByRole('link', { name: 'Open settings' })).toBeOnTheScreen();
  expect(picker.launchImageLibraryAsync).not.toHaveBeenCalled();
});

test('an item waiting for the network says so, and "Retry now" sends it without waiting out the backoff', async () => {
  // Full jitter at its ceiling: the queue waits ~1 s, ~2 s, then ~4 s between tries.
  const random = jest.spyOn(Math, 'random').mockReturnValue(0.999);
  const device = new Device();
  let online = false;
  const putTimes: number[] = [];
  const server = uploadServer({
    override: (request) => {
      if (request.method !== 'PUT') return undefined;
      putTimes.push(Date.now());
      if (!online) throw new Error('offline');
      return undefined;
    },
  });
  await renderApp({ signedIn: true, handler: server.handler, bytes: device.bytes, sha256: device.sha256 });
  await openUploads();
  await screen.findByText('Nothing uploading');
  pick(device.photo('Late.jpg'));
  await chooseOn();

  expect(await within(await rowOf('Late.jpg')).findByText('Waiting to retry (no connection)')).toBeOnTheScreen();
  // The queue's own tries after ~1 s and ~2 s fail too; its next would come ~4 s after the third.
  await waitFor(() => expect(putTimes).toHaveLength(3), { timeout: 8000 });
  online = true;
  fireEvent.press(await screen.findByRole('button', { name: 'Retry Late.jpg now' }));
  expect(await within(await rowOf('Late.jpg')).findByText('Uploaded', {}, { timeout: 6000 })).toBeOnTheScreen();
  expect(putTimes).toHaveLength(4);
  expect(putTimes[3]! - putTimes[2]!).toBeLessThan(3900);
  random.mockRestore();
});
