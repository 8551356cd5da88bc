import { fireEvent, screen, waitFor, within } from '@testing-library/react-native';
import type { Photo } from '../../src/core/library';
import type { FakeAnswer, FakeRequest } from '../helpers/fake-http';
import { renderApp, samplePhoto, TEST_USER } from '../helpers/render-app';

const page = (items: Photo[], nextCursor: string | null = null): FakeAnswer => ({ status: 200, body: { items, nextCursor } });
const never = () => new Promise<FakeAnswer>(() => undefined);
const me = { userId: TEST_USER.userId, email: TEST_USER.email, name: TEST_USER.name, usage: { photos: 0, bytes: 0, quotaBytes: 1_000_000_000 } };
const trashed = (id: string, filename: string, trashedAt = '2026-11-30T10:00:00.000Z') => samplePhoto({ id, filename, trashedAt });

/** Home -> Account -> Trash, as a user gets there. */
async function openTrash() {
  await screen.findByRole('button', { name: 'Account' });
  fireEvent.press(screen.getByRole('button', { name: 'Account' }));
  fireEvent.press(await screen.findByRole('button', { name: 'Trash' }));
}

/** The library's server: the timeline, the trash, /v1/me; `extra` answers the rest. */
function server(state: { timeline: Photo[]; trash: Photo[] }, extra: (r: FakeRequest) => FakeAnswer | Promise<FakeAnswer> | undefined = () => undefined) {
  return (r: FakeRequest) => {
    const answer = extra(r);
    if (answer) return answer;
    if (r.method === 'GET' && r.url === '/v1/photos') return page(state.timeline);
    if (r.method === 'GET' && r.url === '/v1/trash') return page(state.trash);
    if (r.method === 'GET' && r.url === '/v1/me') return { status: 200, body: me };
    const photo = [...state.timeline, ...state.trash].find((p) => r.url === `/v1/photos/${p.id}`);
    if (r.method === 'GET' && photo) return { status: 200, body: photo };
    return never();
  };
}

test('the trash lists its photos with the 30-day rule; a tile opens the viewer with Restore and no way to move it to the trash', async () => {
  const yesterday = new Date(Date.now() - 86_400_000 - 60_000).toISOString();
  const state = { timeline: [], trash: [trashed('t1', 'old-beach.jpg', yesterday), trashed('t2', 'blurry.jpg', yesterday)] };
  const { requests } = await renderApp({ signedIn: true, handler: server(state) });
  await openTrash();
  expect(await screen.findByRole('button', { name: 'Photo old-beach.jpg' })).toBeOnTheScreen();
  expect(screen.getByTestId('photo-tile-t2')).toBeOnTheScreen();
  expect(screen.getByText('Photos in the trash are deleted forever after 30 days.')).toBeOnTheScreen();
  expect(requests.find((r) => r.url === '/v1/trash')?.params).toEqual({ limit: 60 });
  expect(within(screen.getByTestId('photo-tile-t1')).getByText('29 days left')).toBeOnTheScreen();

  fireEvent.press(screen.getByRole('button', { name: 'Photo blurry.jpg' }));
  expect(await screen.findByRole('button', { name: 'Restore' })).toBeOnTheScreen();
  expect(screen.getByText('In the trash: deleted forever in 29 days unless you restore it.')).toBeOnTheScreen();
  expect(screen.queryByRole('button', { name: 'Move to trash' })).toBeNull();
  expect(screen.queryByRole('button', { name: /Delete forever/ })).toBeNull();
});

test('Restore sends the restore request, returns to the trash without the photo, and Home shows it again', async () => {
  const back = trashed('r1', 'back.jpg');
  const state = { timeline: [samplePhoto({ id: 'k', filename: 'kept.jpg', takenAt: '2026-11-25T10:00:00.000Z' })], trash: [back, trashed('r2', 'still-trashed.jpg')] };
  let restored = false;
  const { requests } = await renderApp({
    signedIn: true,
    handler: server(state, (r) => {
      if (r.method === 'POST' && r.url === '/v1/photos/r1/restore') {
        restored = true;
        const { trashedAt: _gone, ...photo } = back;
        return { status: 200, body: photo };
      }
      // After the restore the server is slow: what the screens show comes from the updated cache.
      if (restored && r.method === 'GET') return never();
      return undefined;
    }),
  });
  await screen.findByRole('button', { name: 'Photo kept.jpg' });
  await openTrash();
  fireEvent.press(await screen.findByRole('button', { name: 'Photo back.jpg' }));
  fireEvent.press(await screen.findByRole('button', { name: 'Restore' }));

  expect(await screen.findByRole('button', { name: 'Photo still-trashed.jpg' })).toBeOnTheScreen();
  expect(screen.queryByRole('button', { name: 'Photo back.jpg' })).toBeNull(); // the trash is on top, visible
  expect(requests.filter((r) => r.method === 'POST').map((r) => r.url)).toEqual(['/v1/photos/r1/restore']);
  // Home, under Account and Trash, already has it back.
  await waitFor(() => expect(screen.getAllByTestId('photo-tile-r1', { includeHiddenElements: true })).toHaveLength(1));
  expect(screen.getAllByTestId(/^photo-tile-/, { includeHiddenElements: true }).map((t) => t.props.testID)).toEqual(['photo-tile-k', 'photo-tile-r1', 'photo-tile-r2']);
});

test('Empty trash asks first, sends DELETE /v1/trash only after confirming, and the list empties', async () => {
  const state = { timeline: [], trash: [trashed('e1', 'one.jpg'), trashed('e2', 'two.jpg')] };
  const { requests } = await renderApp({
    signedIn: true,
    handler: server(state, (r) => (r.method === 'DELETE' && r.url === '/v1/trash' ? { status: 202, body: { status: 'accepted' } } : undefined)),
  });
  const emptyCalls = () => requests.filter((r) => r.method === 'DELETE' && r.url === '/v1/trash');
  await openTrash();
  await screen.findByRole('button', { name: 'Photo one.jpg' });

  fireEvent.press(screen.getByRole('button', { name: 'Empty trash' }));
  expect(await screen.findByText('Empty the trash?')).toBeOnTheScreen();
  expect(screen.getByText(/The 2 photos in the trash will be deleted forever/)).toBeOnTheScreen();
  fireEvent.press(screen.getByRole('button', { name: 'Cancel' }));
  await waitFor(() => expect(screen.queryByText('Empty the trash?')).toBeNull());
  expect(emptyCalls()).toHaveLength(0);

  fireEvent.press(screen.getByRole('button', { name: 'Empty trash' }));
  await screen.findByText('Empty the trash?');
  fireEvent.press(screen.getAllByRole('button', { name: 'Empty trash' }).at(-1)!);
  // The purge runs in a job: the server still lists them for a while, the app does not.
  expect(await screen.findByText('Trash is empty')).toBeOnTheScreen();
  expect(emptyCalls()).toHaveLength(1);
  expect(screen.queryByRole('button', { name: 'Photo one.jpg' })).toBeNull();
});

test('an empty trash says so', async () => {
  await renderApp({ signedIn: true, handler: server({ timeline: [], trash: [] }) });
  await openTrash();
  expect(await screen.findByText('Trash is empty')).toBeOnTheScreen();
  expect(screen.getByText(/Photos in the trash are deleted forever after 30 days/)).toBeOnTheScreen();
});

test('a trash that cannot be read and has nothing saved: an error with Try again', async () => {
  let online = false;
  await renderApp({
    signedIn: true,
    handler: server({ timeline: [], trash: [trashed('x1', 'found.jpg')] }, (r) => {
      if (r.url === '/v1/trash' && !online) throw new Error('offline');
      return undefined;
    }),
  });
  await openTrash();
  expect(await screen.findByText('Could not load the trash')).toBeOnTheScreen();
  online = true;
  fireEvent.press(screen.getByRole('button', { name: 'Try again' }));
  expect(await screen.findByRole('button', { name: 'Photo found.jpg' })).toBeOnTheScreen();
});
