import { act, fireEvent, screen, waitFor, within } from '@testing-library/react-native';
import type { Photo } from '../../src/core/library';
import { UploadStore } from '../../src/core/upload-store';
import { formatDay } from '../../src/ui/format';
import type { FakeAnswer, FakeRequest } from '../helpers/fake-http';
import { problem } from '../helpers/fake-http';
import { MemoryStore } from '../helpers/memory-store';
import { renderApp, samplePhoto, TEST_USER } from '../helpers/render-app';

const page = (items: Photo[], nextCursor: string | null = null): FakeAnswer => ({ status: 200, body: { items, nextCursor } });
const timelineCalls = (requests: FakeRequest[]) => requests.filter((r) => r.method === 'GET' && r.url === '/v1/photos');
const never = () => new Promise<FakeAnswer>(() => undefined);

test('the timeline shows square tiles under a header for each day, newest first; a photo without a thumbnail says Processing', async () => {
  const today = new Date();
  today.setHours(12, 0, 0, 0);
  const older = new Date(2026, 10, 20, 9, 30);
  const photos = [
    samplePhoto({ id: 'a', filename: 'beach.jpg', takenAt: today.toISOString(), thumbhash: '1QcSHQRnh493V4dIh4eXh1h4kJUI' }),
    samplePhoto({ id: 'b', filename: 'dunes.jpg', takenAt: new Date(today.getTime() - 3_600_000).toISOString() }),
    samplePhoto({ id: 'c', filename: 'harbour.jpg', takenAt: older.toISOString(), urls: {} }),
  ];
  const { requests } = await renderApp({ signedIn: true, handler: (r) => (r.url === '/v1/photos' ? page(photos) : problem(404, 'Not Found')) });

  expect(await screen.findByRole('button', { name: 'Photo beach.jpg' })).toBeOnTheScreen();
  expect(screen.getByTestId('photo-tile-b')).toBeOnTheScreen();
  const pad = (n: number) => String(n).padStart(2, '0');
  const todayKey = `${today.getFullYear()}-${pad(today.getMonth() + 1)}-${pad(today.getDate())}`;
  expect(screen.getAllByRole('header').map((h) => h.props.children)).toEqual([formatDay(todayKey), formatDay('2026-11-20')]);
  expect(within(screen.getByTestId('photo-tile-c')).getByText('Processing')).toBeOnTheScreen();
  expect(within(screen.getByTestId('photo-tile-a')).queryByText('Processing')).toBeNull();
  expect(timelineCalls(requests)[0]!.params).toEqual({ limit: 60 });
});

test('after a restart the saved timeline shows while the network hangs, and with a banner when it fails', async () => {
  const storage = new MemoryStore();
  const photos = [samplePhoto({ id: 'saved-1', filename: 'saved-1.jpg' }), samplePhoto({ id: 'saved-2', filename: 'saved-2.jpg' })];
  const first = await renderApp({ signedIn: true, storage, handler: () => page(photos) });
  expect(await screen.findByRole('button', { name: 'Photo saved-2.jpg' })).toBeOnTheScreen();
  first.unmount();

  const hanging = await renderApp({ storage, handler: never });
  expect(await screen.findByRole('button', { name: 'Photo saved-1.jpg' })).toBeOnTheScreen();
  expect(timelineCalls(hanging.requests)).toHaveLength(1); // asked, never answered
  expect(screen.queryByText('Offline — showing saved photos')).toBeNull();
  hanging.unmount();

  let online = false;
  const fresh = samplePhoto({ id: 'fresh', filename: 'fresh.jpg' });
  await renderApp({
    storage,
    handler: () => {
      if (!online) throw new Error('offline');
      return page([fresh, ...photos]);
    },
  });
  expect(await screen.findByText('Offline — showing saved photos')).toBeOnTheScreen();
  expect(screen.getByRole('button', { name: 'Photo saved-1.jpg' })).toBeOnTheScreen();
  // The network is back: the banner's Try again (the web has no pull to refresh) brings the server's page.
  online = true;
  fireEvent.press(screen.getByRole('button', { name: 'Try again' }));
  expect(await screen.findByRole('button', { name: 'Photo fresh.jpg' })).toBeOnTheScreen();
  expect(screen.queryByText('Offline — showing saved photos')).toBeNull();
});

test('the next page loads at the end of the grid with the cursor of the last one, until there is none', async () => {
  const first = Array.from({ length: 6 }, (_, i) => samplePhoto({ id: `p${i}`, filename: `first-${i}.jpg` }));
  const second = [samplePhoto({ id: 'q1', filename: 'second-1.jpg' }), first[5]!]; // a repeat across pages shows once
  const { requests } = await renderApp({
    signedIn: true,
    handler: (r) => ((r.params as { cursor?: string }).cursor === 'cursor-2' ? page(second, null) : page(first, 'cursor-2')),
  });
  await screen.findByRole('button', { name: 'Photo first-0.jpg' });
  expect(screen.queryByRole('button', { name: 'Photo second-1.jpg' })).toBeNull();

  fireEvent(screen.getByTestId('photo-grid'), 'endReached');
  expect(await screen.findByRole('button', { name: 'Photo second-1.jpg' })).toBeOnTheScreen();
  expect(timelineCalls(requests).map((r) => r.params)).toEqual([{ limit: 60 }, { limit: 60, cursor: 'cursor-2' }]);
  expect(screen.getAllByRole('button', { name: 'Photo first-5.jpg' })).toHaveLength(1);

  fireEvent(screen.getByTestId('photo-grid'), 'endReached');
  await act(async () => undefined);
  expect(timelineCalls(requests)).toHaveLength(2);
});

test('a next page that cannot be fetched leaves a Load more button, which fetches it', async () => {
  let online = true;
  const { requests } = await renderApp({
    signedIn: true,
    handler: (r) => {
      if ((r.params as { cursor?: string }).cursor !== 'c2') return page([samplePhoto({ id: 'one', filename: 'one.jpg' })], 'c2');
      if (!online) throw new Error('offline');
      return page([samplePhoto({ id: 'two', filename: 'two.jpg' })]);
    },
  });
  await screen.findByRole('button', { name: 'Photo one.jpg' });
  online = false;
  fireEvent(screen.getByTestId('photo-grid'), 'endReached');
  const loadMore = await screen.findByRole('button', { name: 'Load more' });
  online = true;
  fireEvent.press(loadMore);
  expect(await screen.findByRole('button', { name: 'Photo two.jpg' })).toBeOnTheScreen();
  expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
  expect(timelineCalls(requests).map((r) => (r.params as { cursor?: string }).cursor)).toEqual([undefined, 'c2', 'c2']);
});

test('pulling to refresh asks the server again and shows what it answers', async () => {
  let photos = [samplePhoto({ id: 'old', filename: 'old.jpg' })];
  const { requests } = await renderApp({ signedIn: true, handler: () => page(photos) });
  await screen.findByRole('button', { name: 'Photo old.jpg' });

  photos = [samplePhoto({ id: 'new', filename: 'new.jpg' }), ...photos];
  const grid = screen.getByTestId('photo-grid');
  await act(async () => grid.props.refreshControl.props.onRefresh());
  expect(await screen.findByRole('button', { name: 'Photo new.jpg' })).toBeOnTheScreen();
  expect(timelineCalls(requests)).toHaveLength(2);
});

test('an empty library says so and offers to upload', async () => {
  await renderApp({ signedIn: true, handler: () => page([]) });
  expect(await screen.findByText('No photos yet')).toBeOnTheScreen();
  const uploads = screen.getAllByRole('button', { name: 'Upload photos' });
  expect(uploads.length).toBeGreaterThanOrEqual(2); // the header's and the empty state's
  fireEvent.press(uploads.at(-1)!);
  expect(await screen.findByRole('button', { name: 'Choose photos' })).toBeOnTheScreen();
});

test('nothing saved and no network: an error with Try again, which loads the photos once the server answers', async () => {
  let online = false;
  await renderApp({
    signedIn: true,
    handler: () => {
      if (!online) throw new Error('offline');
      return page([samplePhoto({ id: 'back', filename: 'back.jpg' })]);
    },
  });
  expect(await screen.findByText('Could not load your photos')).toBeOnTheScreen();
  expect(screen.getByText(/You are offline/)).toBeOnTheScreen();
  online = true;
  fireEvent.press(screen.getByRole('button', { name: 'Try again' }));
  expect(await screen.findByRole('button', { name: 'Photo back.jpg' })).toBeOnTheScreen();
});

test('a tile opens its photo in the viewer', async () => {
  const photo = samplePhoto({ id: 'x', filename: 'x.jpg' });
  await renderApp({ signedIn: true, handler: (r) => (r.url === '/v1/photos' ? page([photo]) : r.url === '/v1/photos/x' ? { status: 200, body: photo } : never()) });
  fireEvent.press(await screen.findByRole('button', { name: 'Photo x.jpg' }));
  expect(await screen.findByRole('button', { name: 'Move to trash' })).toBeOnTheScreen();
});

test('the header Account button opens the account screen', async () => {
  await renderApp({ signedIn: true, handler: (r) => (r.url === '/v1/photos' ? page([]) : never()) });
  await screen.findByText('No photos yet');
  fireEvent.press(screen.getByRole('button', { name: 'Account' }));
  // Home stays mounted under it, hidden from the accessibility tree.
  await waitFor(() => expect(screen.queryByText('No photos yet', { includeHiddenElements: false })).toBeNull());
});

test('unfinished uploads show a strip that opens the Uploading screen', async () => {
  const storage = new MemoryStore();
  const store = new UploadStore(storage, TEST_USER.userId);
  const source = (name: string) => ({ uri: `file:///${name}`, filename: name, contentType: 'image/jpeg' as const });
  await store.save({ id: 'u1', source: source('a.jpg'), createdAt: 1, step: 'requesting', sha256: 's1', size: 3, etags: {}, attempts: 0 });
  await store.save({ id: 'u2', source: source('b.jpg'), createdAt: 2, step: 'requesting', sha256: 's2', size: 3, etags: {}, attempts: 0 });
  await store.save({ id: 'u3', source: source('c.jpg'), createdAt: 3, step: 'failed', failedAt: 'requesting', etags: {}, attempts: 5, problem: { status: 413, title: 'Too large' } });
  await renderApp({ signedIn: true, storage, handler: (r) => (r.url === '/v1/photos' ? page([samplePhoto()]) : never()) });

  const strip = await screen.findByRole('button', { name: /Uploading 2 photos… · 1 upload needs attention/ });
  fireEvent.press(strip);
  expect(await screen.findByRole('button', { name: 'Choose photos' })).toBeOnTheScreen();
});

test('a photo whose upload finished while it was still processing appears once the server lists it, without a pull', async () => {
  const storage = new MemoryStore();
  const target = { kind: 'single' as const, url: 'https://s3.test/put', headers: {}, expiresAt: '2099-01-01T00:00:00.000Z', receivedAt: Date.now() };
  await new UploadStore(storage, TEST_USER.userId).save({
    id: 'u1', source: { uri: 'file:///fresh.jpg', filename: 'fresh.jpg', contentType: 'image/jpeg' }, createdAt: 1, step: 'completing', sha256: 's', size: 3, photoId: 'fresh', target, etags: {}, attempts: 0,
  });
  const old = samplePhoto({ id: 'old', filename: 'old.jpg' });
  let processed = false;
  const { requests } = await renderApp({
    signedIn: true,
    storage,
    handler: (r) => {
      if (r.url === '/v1/uploads/complete') {
        setTimeout(() => (processed = true), 500);
        return { status: 200, body: { items: [{ photoId: 'fresh', status: 'processing' }] } };
      }
      if (r.url === '/v1/photos') return page(processed ? [samplePhoto({ id: 'fresh', filename: 'fresh.jpg' }), old] : [old]);
      return never();
    },
  });
  await screen.findByRole('button', { name: 'Photo old.jpg' });
  expect(await screen.findByRole('button', { name: 'Photo fresh.jpg' }, { timeout: 8000 })).toBeOnTheScreen();
  const calls = timelineCalls(requests).length;
  // Listed: no more polling.
  await act(() => new Promise((resolve) => setTimeout(resolve, 2500)));
  expect(timelineCalls(requests)).toHaveLength(calls);
});
