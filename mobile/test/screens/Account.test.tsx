import { fireEvent, screen, waitFor } from '@testing-library/react-native';
import { UploadStore } from '../../src/core/upload-store';
import type { UploadItem } from '../../src/core/upload-types';
import { problem, type FakeAnswer, type FakeRequest } from '../helpers/fake-http';
import { MemoryStore } from '../helpers/memory-store';
import { renderApp, TEST_USER } from '../helpers/render-app';

// The whole app renders in each test, on a machine shared with other jobs: be patient with findBy/waitFor.

const GB = 1024 ** 3;
const me = (usage: { photos: number; bytes: number; quotaBytes: number }) => ({ ...TEST_USER, createdAt: '2026-11-01T00:00:00.000Z', usage });
const USAGE = me({ photos: 1284, bytes: 1.5 * GB, quotaBytes: 10 * GB });

/** The API for these tests: /v1/me, an empty timeline, logout; `override` answers first. */
function api(override?: (request: FakeRequest) => FakeAnswer | Promise<FakeAnswer> | undefined) {
  return async (request: FakeRequest): Promise<FakeAnswer> => {
    const overridden = await override?.(request);
    if (overridden) return overridden;
    if (request.method === 'GET' && request.url === '/v1/me') return { status: 200, body: USAGE };
    if (request.method === 'GET' && request.url === '/v1/photos') return { status: 200, body: { items: [], nextCursor: null } };
    if (request.method === 'POST' && request.url === '/v1/auth/logout') return { status: 204 };
    if (request.method === 'DELETE' && request.url === '/v1/me') return { status: 202, body: { status: 'accepted' } };
    return problem(404, 'Not Found');
  };
}

async function openAccount() {
  fireEvent.press(await screen.findByRole('button', { name: 'Account' }));
}

const uploadKeys = (storage: MemoryStore) => [...storage.data.keys()].filter((k) => k.startsWith('av:uploads:'));

/** A photo the queue had not finished when the app last ran (sent, waiting for complete). */
async function storeUnfinishedUpload(storage: MemoryStore, filename = 'IMG_9.jpg'): Promise<UploadItem> {
  const item: UploadItem = {
    id: 'pending-1',
    source: { uri: `file:///DCIM/${filename}`, filename, contentType: 'image/jpeg' },
    createdAt: Date.now(),
    step: 'completing',
    size: 3,
    sha256: 'sha-3',
    photoId: 'photo-9',
    etags: {},
    attempts: 0,
  };
  await new UploadStore(storage, TEST_USER.userId).save(item);
  return item;
}

test('shows who is signed in and their usage against the quota', async () => {
  await renderApp({ signedIn: true, handler: api() });
  await openAccount();

  expect(await screen.findByText('1.5 GB of 10 GB')).toBeOnTheScreen();
  expect(screen.getByText('1,284 photos')).toBeOnTheScreen();
  expect(screen.getByText('Ada')).toBeOnTheScreen();
  expect(screen.getByText('ada@example.com')).toBeOnTheScreen();
  expect(screen.getByLabelText('Storage used')).toHaveAccessibilityValue({ now: 15 });
});

test('offline, the usage comes from the cache and says it may be out of date', async () => {
  const storage = new MemoryStore();
  const online = await renderApp({ signedIn: true, storage, handler: api() });
  await openAccount();
  await screen.findByText('1.5 GB of 10 GB');
  online.unmount();

  await renderApp({ storage, handler: () => { throw new Error('offline'); } });
  await openAccount();
  expect(await screen.findByText('1.5 GB of 10 GB')).toBeOnTheScreen();
  expect(await screen.findByText('Showing the usage saved on this device (no connection).')).toBeOnTheScreen();
});

test('loading, then an error that can be retried when nothing is cached', async () => {
  let online = false;
  let answerMe: (() => void) | undefined;
  await renderApp({
    signedIn: true,
    handler: api((request) => {
      if (request.url !== '/v1/me') return undefined;
      if (!online) throw new Error('offline');
      // The retried call waits until the test has seen the loading state.
      return new Promise<FakeAnswer>((resolve) => (answerMe = () => resolve({ status: 200, body: USAGE })));
    }),
  });
  await openAccount();
  expect(await screen.findByText('Could not load your usage: no connection.')).toBeOnTheScreen();

  online = true;
  fireEvent.press(screen.getByRole('link', { name: 'Try again' }));
  expect(await screen.findByLabelText('Loading your usage')).toBeOnTheScreen();
  await waitFor(() => expect(answerMe).toBeDefined());
  answerMe!();
  expect(await screen.findByText('1.5 GB of 10 GB')).toBeOnTheScreen();
  expect(screen.queryByText(/Could not load your usage/)).toBeNull();
});

test('the usage is read again when the library changes (an upload finished)', async () => {
  const storage = new MemoryStore();
  await storeUnfinishedUpload(storage);
  let finish: (() => void) | undefined;
  let usage = USAGE;
  await renderApp({
    signedIn: true,
    storage,
    handler: api((request) => {
      if (request.url === '/v1/me') return { status: 200, body: usage };
      if (request.url !== '/v1/uploads/complete') return undefined;
      return new Promise<FakeAnswer>((resolve) => (finish = () => resolve({ status: 200, body: { items: [{ photoId: 'photo-9', status: 'processing' }] } })));
    }),
  });
  await openAccount();
  await screen.findByText('1,284 photos');
  await waitFor(() => expect(finish).toBeDefined());

  usage = me({ photos: 1285, bytes: 2 * GB, quotaBytes: 10 * GB });
  finish!();
  expect(await screen.findByText('1,285 photos')).toBeOnTheScreen();
  expect(screen.getByText('2.0 GB of 10 GB')).toBeOnTheScreen();
});

test('Sign out logs out on the server and ends at Login; unfinished uploads are kept for the next login and said so', async () => {
  const storage = new MemoryStore();
  await storeUnfinishedUpload(storage);
  const { requests, tokens } = await renderApp({
    signedIn: true,
    storage,
    // The pending photo waits for an answer that never comes.
    handler: api((request) => (request.url === '/v1/uploads/complete' ? new Promise<FakeAnswer>(() => undefined) : undefined)),
  });
  await openAccount();
  expect(await screen.findByText('1 photo is still uploading. If you sign out, it continues after you next log in.')).toBeOnTheScreen();

  fireEvent.press(screen.getByRole('button', { name: 'Sign out' }));
  expect(await screen.findByRole('button', { name: 'Log in' })).toBeOnTheScreen();
  expect(requests.filter((r) => r.method === 'POST' && r.url === '/v1/auth/logout')).toHaveLength(1);
  expect(await tokens.load()).toBeNull();
  expect(uploadKeys(storage)).toHaveLength(1);
});

test('Delete account asks first, sends DELETE /v1/me only once confirmed, and ends at Login with a notice and nothing kept', async () => {
  const storage = new MemoryStore();
  await storeUnfinishedUpload(storage);
  const { requests, tokens } = await renderApp({
    signedIn: true,
    storage,
    handler: api((request) => (request.url === '/v1/uploads/complete' ? new Promise<FakeAnswer>(() => undefined) : undefined)),
  });
  await openAccount();
  await screen.findByText('1,284 photos');
  const deletes = () => requests.filter((r) => r.method === 'DELETE' && r.url === '/v1/me');

  fireEvent.press(screen.getByRole('button', { name: 'Delete account' }));
  expect(await screen.findByText('Delete your account?')).toBeOnTheScreen();
  expect(screen.getByText(/Every photo in your library is deleted.*cannot be undone/)).toBeOnTheScreen();
  fireEvent.press(screen.getByRole('button', { name: 'Cancel' }));
  await waitFor(() => expect(screen.queryByText('Delete your account?')).toBeNull());
  expect(deletes()).toHaveLength(0);

  fireEvent.press(screen.getByRole('button', { name: 'Delete account' }));
  fireEvent.press(await screen.findByRole('button', { name: 'Delete my account' }));
  expect(await screen.findByRole('button', { name: 'Log in' })).toBeOnTheScreen();
  expect(screen.getByText('Your account has been deleted. Its photos are being removed from AuroraVault.')).toBeOnTheScreen();
  expect(deletes()).toHaveLength(1);
  expect(await tokens.load()).toBeNull();
  expect(uploadKeys(storage)).toEqual([]);
  expect([...storage.data.keys()].filter((k) => k.startsWith('av:cache:'))).toEqual([]);
});

test('a refused deletion keeps the account and says why', async () => {
  const { requests } = await renderApp({
    signedIn: true,
    handler: api((request) => (request.method === 'DELETE' ? problem(503, 'Service Unavailable', { detail: 'Try again in a minute' }) : undefined)),
  });
  await openAccount();
  await screen.findByText('1,284 photos');
  fireEvent.press(screen.getByRole('button', { name: 'Delete account' }));
  fireEvent.press(await screen.findByRole('button', { name: 'Delete my account' }));

  expect(await screen.findByText('Your account was not deleted: Try again in a minute.')).toBeOnTheScreen();
  expect(screen.getByText('1,284 photos')).toBeOnTheScreen();
  expect(screen.queryByText('Delete your account?')).toBeNull();
  expect(requests.filter((r) => r.method === 'DELETE')).toHaveLength(1);
});
