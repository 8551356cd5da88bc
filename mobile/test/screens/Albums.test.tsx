import { act, fireEvent, screen, waitFor, within } from '@testing-library/react-native';
import type { Photo } from '../../src/core/library';
import type { FakeAnswer, FakeRequest } from '../helpers/fake-http';
import { albumPhoto, FakeSharingServer } from '../helpers/fake-sharing-server';
import { MemoryStore } from '../helpers/memory-store';
import { renderApp, samplePhoto, TEST_USER } from '../helpers/render-app';

const never = () => new Promise<FakeAnswer>(() => undefined);
const page = (items: Photo[]): FakeAnswer => ({ status: 200, body: { items, nextCursor: null } });
const calls = (requests: FakeRequest[], method: string, url: string) => requests.filter((r) => r.method === method && r.url === url);

async function start(server: FakeSharingServer) {
  const view = await renderApp({ signedIn: true, handler: (r) => server.handle(r) ?? (r.url === '/v1/photos' ? page(server.library) : never()) });
  return view;
}

async function openAlbumsTab() {
  fireEvent.press(await screen.findByRole('tab', { name: 'Albums' }));
}

/** The app's dialog is drawn last: its button is the last one with that name. */
async function confirm(title: string, label: string) {
  await screen.findByText(title);
  fireEvent.press(screen.getAllByRole('button', { name: label }).at(-1)!);
}

test('the Albums tab lists my albums with their counts and covers, and Shared with me lists the others with whose they are', async () => {
  const server = new FakeSharingServer();
  server.album({ name: 'Summer', photoCount: 12, cover: { photoId: 'p1', thumbnail: 'https://s3.test/p1/thumb.webp' } });
  server.album({ name: 'Empty one', photoCount: 0 });
  server.album({ name: 'Grace’s trip', ownerId: 'grace', ownerName: 'Grace', role: 'contributor', photoCount: 3 });
  const { requests } = await start(server);
  await openAlbumsTab();

  const summer = await screen.findByRole('button', { name: 'Album Summer' });
  expect(within(summer).getByText('12 photos')).toBeOnTheScreen();
  expect(within(screen.getByRole('button', { name: 'Album Empty one' })).getByText('Empty')).toBeOnTheScreen();
  expect(screen.queryByRole('button', { name: 'Album Grace’s trip' })).toBeNull();
  expect(calls(requests, 'GET', '/v1/albums')[0]!.params).toEqual({ limit: 50 });

  fireEvent.press(screen.getByRole('radio', { name: 'Shared with me' }));
  const shared = await screen.findByRole('button', { name: 'Album Grace’s trip' });
  expect(within(shared).getByText('3 photos · From Grace · Can add photos')).toBeOnTheScreen();
  expect(screen.queryByRole('button', { name: 'Album Summer' })).toBeNull();
});

test('New album asks for a name, creates it and opens it', async () => {
  const server = new FakeSharingServer();
  const { requests } = await start(server);
  await openAlbumsTab();
  expect(await screen.findByText('No albums yet')).toBeOnTheScreen();

  fireEvent.press(screen.getAllByRole('button', { name: 'New album' })[0]!);
  fireEvent.press(await screen.findByRole('button', { name: 'Create' }));
  expect(await screen.findByText('Enter a name for the album')).toBeOnTheScreen();
  expect(calls(requests, 'POST', '/v1/albums')).toHaveLength(0);

  fireEvent.changeText(screen.getByLabelText('Album name'), '  Birthday  ');
  fireEvent.press(screen.getByRole('button', { name: 'Create' }));
  expect(await screen.findByText('No photos in this album yet')).toBeOnTheScreen();
  expect(calls(requests, 'POST', '/v1/albums').map((r) => r.body)).toEqual([{ name: 'Birthday' }]);
  expect(screen.getByRole('button', { name: 'Add photos' })).toBeOnTheScreen();
});

test('the owner sees who added each photo, renames, sets a cover and removes photos from a selection', async () => {
  const server = new FakeSharingServer();
  const mine = albumPhoto(samplePhoto({ id: 'm1', filename: 'mine.jpg' }), { userId: TEST_USER.userId, name: 'Ada' });
  const grace = albumPhoto(samplePhoto({ id: 'g1', filename: 'grace.jpg' }), { userId: 'grace', name: 'Grace' });
  const guest = albumPhoto(samplePhoto({ id: 'x1', filename: 'guest.jpg' }), { name: 'Sam', guest: true });
  const album = server.album({ name: 'Party' }, [mine, grace, guest]);
  const { requests } = await start(server);
  await openAlbumsTab();
  fireEvent.press(await screen.findByRole('button', { name: 'Album Party' }));

  await screen.findByRole('button', { name: 'Photo grace.jpg' });
  expect(within(screen.getByTestId('photo-tile-g1')).getByText('Grace')).toBeOnTheScreen();
  expect(within(screen.getByTestId('photo-tile-x1')).getByText('Guest: Sam')).toBeOnTheScreen();
  expect(within(screen.getByTestId('photo-tile-m1')).queryByText('Ada')).toBeNull();

  fireEvent.press(screen.getByRole('button', { name: 'Rename' }));
  fireEvent.changeText(await screen.findByLabelText('Album name'), 'Party 2026');
  fireEvent.press(screen.getByRole('button', { name: 'Save' }));
  await waitFor(() => expect(server.albums.get(album.id)!.name).toBe('Party 2026'));

  // A long press selects; taps add to the selection; the action bar acts on it.
  fireEvent(screen.getByRole('button', { name: 'Photo grace.jpg' }), 'longPress');
  expect(await screen.findByText('1 selected', { includeHiddenElements: false })).toBeOnTheScreen();
  fireEvent.press(screen.getByRole('button', { name: 'Set as cover' }));
  await waitFor(() => expect(server.albums.get(album.id)!.cover?.photoId).toBe('g1'));
  expect(calls(requests, 'PATCH', `/v1/albums/${album.id}`).map((r) => r.body)).toEqual([{ name: 'Party 2026' }, { coverPhotoId: 'g1' }]);

  fireEvent(await screen.findByRole('button', { name: 'Photo guest.jpg' }), 'longPress');
  fireEvent.press(screen.getByRole('button', { name: 'Photo mine.jpg' }));
  fireEvent.press(screen.getByRole('button', { name: 'Remove' }));
  await confirm('Remove 2 photos from the album?', 'Remove');
  expect(await screen.findByText('2 photos removed')).toBeOnTheScreen();
  expect(calls(requests, 'POST', `/v1/albums/${album.id}/photos/remove`)[0]!.body).toEqual({ photoIds: ['x1', 'm1'] });
  await waitFor(() => expect(screen.queryByRole('button', { name: 'Photo guest.jpg' })).toBeNull());
  expect(screen.getByRole('button', { name: 'Photo grace.jpg' })).toBeOnTheScreen();
});

test('deleting an album asks first, then goes back to the albums without it', async () => {
  const server = new FakeSharingServer();
  const album = server.album({ name: 'Old' });
  const { requests } = await start(server);
  await openAlbumsTab();
  fireEvent.press(await screen.findByRole('button', { name: 'Album Old' }));
  fireEvent.press(await screen.findByRole('button', { name: 'Delete album' }));
  fireEvent.press(await screen.findByRole('button', { name: 'Cancel' }));
  expect(calls(requests, 'DELETE', `/v1/albums/${album.id}`)).toHaveLength(0);
  fireEvent.press(screen.getByRole('button', { name: 'Delete album' }));
  await confirm('Delete this album?', 'Delete album');
  expect(await screen.findByText('No albums yet')).toBeOnTheScreen();
  expect(calls(requests, 'DELETE', `/v1/albums/${album.id}`)).toHaveLength(1);
});

test('a viewer sees the photos and may only leave; a contributor removes only the photos they added', async () => {
  const server = new FakeSharingServer();
  const theirs = albumPhoto(samplePhoto({ id: 't1', filename: 'theirs.jpg' }), { userId: 'grace', name: 'Grace' });
  const mine = albumPhoto(samplePhoto({ id: 'm1', filename: 'mine.jpg' }), { userId: TEST_USER.userId, name: 'Ada' });
  const viewed = server.album({ name: 'Look only', ownerId: 'grace', ownerName: 'Grace', role: 'viewer' }, [theirs]);
  server.album({ name: 'Together', ownerId: 'grace', ownerName: 'Grace', role: 'contributor' }, [theirs, mine]);
  const { requests } = await start(server);
  await openAlbumsTab();
  await screen.findByText('No albums yet');
  fireEvent.press(screen.getByRole('radio', { name: 'Shared with me' }));
  fireEvent.press(await screen.findByRole('button', { name: 'Album Look only' }));

  await screen.findByRole('button', { name: 'Photo theirs.jpg' });
  expect(screen.getByText('You can view the photos.')).toBeOnTheScreen();
  for (const name of ['Add photos', 'Rename', 'Delete album', 'Share', 'Select']) expect(screen.queryByRole('button', { name })).toBeNull();
  fireEvent.press(screen.getByRole('button', { name: 'Leave album' }));
  await confirm('Leave this album?', 'Leave album');
  await waitFor(() => expect(calls(requests, 'DELETE', `/v1/albums/${viewed.id}/members/${TEST_USER.userId}`)).toHaveLength(1));
  fireEvent.press(await screen.findByRole('button', { name: 'Album Together' }));

  await screen.findByRole('button', { name: 'Photo theirs.jpg' });
  expect(screen.getByRole('button', { name: 'Add photos' })).toBeOnTheScreen();
  fireEvent.press(screen.getByRole('button', { name: 'Select' }));
  fireEvent.press(screen.getByRole('button', { name: 'Photo theirs.jpg' }));
  expect(await screen.findByRole('button', { name: 'Remove' })).toBeDisabled();
  expect(screen.queryByRole('button', { name: 'Set as cover' })).toBeNull();
  fireEvent.press(screen.getByRole('button', { name: 'Photo mine.jpg' }));
  expect(screen.getByRole('button', { name: 'Remove' })).toBeEnabled();
});

test('a multi-select on Home adds the chosen photos to an album picked from the list', async () => {
  const server = new FakeSharingServer();
  server.library = [samplePhoto({ id: 'a', filename: 'a.jpg' }), samplePhoto({ id: 'b', filename: 'b.jpg' }), samplePhoto({ id: 'c', filename: 'c.jpg' })];
  const album = server.album({ name: 'Best of' });
  server.album({ name: 'Not mine to add', ownerId: 'grace', role: 'viewer' });
  const { requests } = await start(server);

  fireEvent(await screen.findByRole('button', { name: 'Photo a.jpg' }), 'longPress');
  fireEvent.press(screen.getByRole('button', { name: 'Photo c.jpg' }));
  expect(screen.getByRole('button', { name: 'Photo c.jpg' })).toBeSelected();
  expect(screen.getByRole('button', { name: 'Photo b.jpg' })).not.toBeSelected();
  fireEvent.press(screen.getByRole('button', { name: 'Add to album' }));

  const target = await screen.findByRole('button', { name: 'Add to Best of' });
  expect(screen.getByText('Add 2 photos to an album.')).toBeOnTheScreen();
  expect(screen.queryByRole('button', { name: 'Add to Not mine to add' })).toBeNull();
  fireEvent.press(target);
  expect(await screen.findByText('2 photos added to “Best of”.')).toBeOnTheScreen();
  expect(calls(requests, 'POST', `/v1/albums/${album.id}/photos`)[0]!.body).toEqual({ photoIds: ['a', 'c'] });

  // Done goes back to Home, out of selecting.
  fireEvent.press(screen.getByRole('button', { name: 'Done' }));
  expect(await screen.findByRole('tab', { name: 'Albums' })).toBeOnTheScreen();
  expect(screen.getByRole('button', { name: 'Photo a.jpg' })).not.toBeSelected();
});

test('the viewer adds its photo to a new album; the album then shows it', async () => {
  const server = new FakeSharingServer();
  const photo = samplePhoto({ id: 'v1', filename: 'view.jpg' });
  server.library = [photo];
  const { requests } = await renderApp({
    signedIn: true,
    handler: (r) => server.handle(r) ?? (r.url === '/v1/photos' ? page(server.library) : r.url === '/v1/photos/v1' ? { status: 200, body: photo } : never()),
  });
  fireEvent.press(await screen.findByRole('button', { name: 'Photo view.jpg' }));
  fireEvent.press(await screen.findByRole('button', { name: 'Add to album' }));
  expect(await screen.findByText('You have no albums yet: make one with New album.')).toBeOnTheScreen();
  fireEvent.press(screen.getByRole('button', { name: 'New album' }));
  fireEvent.changeText(await screen.findByLabelText('Album name'), 'Walks');
  fireEvent.press(screen.getByRole('button', { name: 'Create and add' }));
  expect(await screen.findByText('1 photo added to “Walks”.')).toBeOnTheScreen();
  const created = [...server.albums.values()][0]!;
  expect(calls(requests, 'POST', `/v1/albums/${created.id}/photos`)[0]!.body).toEqual({ photoIds: ['v1'] });

  fireEvent.press(screen.getByRole('button', { name: 'Open album' }));
  expect(await screen.findByRole('button', { name: 'Photo view.jpg' })).toBeOnTheScreen();
  expect(screen.getByText('1 photo')).toBeOnTheScreen();
});

test('Add photos in an album picks from my library and says what was added', async () => {
  const server = new FakeSharingServer();
  server.library = [samplePhoto({ id: 'a', filename: 'a.jpg' }), samplePhoto({ id: 'b', filename: 'b.jpg' })];
  const album = server.album({ name: 'Pick' }, [albumPhoto(server.library[1]!, { userId: TEST_USER.userId, name: 'Ada' })]);
  await start(server);
  await openAlbumsTab();
  fireEvent.press(await screen.findByRole('button', { name: 'Album Pick' }));
  fireEvent.press(await screen.findByRole('button', { name: 'Add photos' }));
  expect(await screen.findByRole('button', { name: 'Add' })).toBeDisabled();
  fireEvent.press(await screen.findByRole('button', { name: 'Photo a.jpg', selected: false }));
  fireEvent.press(screen.getByRole('button', { name: 'Photo b.jpg', selected: false }));
  fireEvent.press(screen.getByRole('button', { name: 'Add 2' }));
  expect(await screen.findByText('1 photo added, 1 already in the album')).toBeOnTheScreen();
  expect(server.photos.get(album.id)!.map((p) => p.id)).toEqual(['a', 'b']);
  await act(async () => undefined);
});

test('an album photo says who added it; a contributor removes their own and not the others\u2019, the owner sets a guest\u2019s photo as the cover', async () => {
  const server = new FakeSharingServer();
  const theirs = albumPhoto(samplePhoto({ id: 't1', filename: 'theirs.jpg' }), { userId: 'grace', name: 'Grace' });
  const mine = albumPhoto(samplePhoto({ id: 'm1', filename: 'mine.jpg' }), { userId: TEST_USER.userId, name: 'Ada' });
  const guest = albumPhoto(samplePhoto({ id: 'g1', filename: 'guest.jpg' }), { name: 'Sam', guest: true });
  const shared = server.album({ name: 'Theirs', ownerId: 'grace', ownerName: 'Grace', role: 'contributor' }, [theirs, mine]);
  const own = server.album({ name: 'Mine' }, [guest]);
  const view = await start(server);
  await openAlbumsTab();
  await screen.findByRole('button', { name: 'Album Mine' });
  fireEvent.press(screen.getByRole('radio', { name: 'Shared with me' }));
  fireEvent.press(await screen.findByRole('button', { name: 'Album Theirs' }));

  fireEvent.press(await screen.findByRole('button', { name: 'Photo mine.jpg' }));
  expect(within(await screen.findByLabelText('Details')).getByText('You')).toBeOnTheScreen();
  expect(screen.queryByRole('button', { name: 'Set as cover' })).toBeNull();
  fireEvent.press(screen.getByRole('button', { name: 'Remove from album' }));
  await confirm('Remove from the album?', 'Remove');
  // Back on the album, without it.
  await waitFor(() => expect(screen.queryByRole('button', { name: 'Photo mine.jpg' })).toBeNull());
  expect(calls(view.requests, 'POST', `/v1/albums/${shared.id}/photos/remove`).map((r) => r.body)).toEqual([{ photoIds: ['m1'] }]);

  fireEvent.press(await screen.findByRole('button', { name: 'Photo theirs.jpg' }));
  expect(within(await screen.findByLabelText('Details')).getByText('Grace')).toBeOnTheScreen();
  expect(screen.queryByRole('button', { name: 'Remove from album' })).toBeNull();
  view.unmount();

  await start(server);
  await openAlbumsTab();
  fireEvent.press(await screen.findByRole('button', { name: 'Album Mine' }));
  fireEvent.press(await screen.findByRole('button', { name: 'Photo guest.jpg' }));
  expect(within(await screen.findByLabelText('Details')).getByText('Sam (guest, through a link)')).toBeOnTheScreen();
  expect(screen.getByRole('button', { name: 'Remove from album' })).toBeOnTheScreen();
  fireEvent.press(screen.getByRole('button', { name: 'Set as cover' }));
  expect(await screen.findByText('This photo is now the album\u2019s cover')).toBeOnTheScreen();
  expect(server.albums.get(own.id)!.cover?.photoId).toBe('g1');
  await waitFor(() => expect(screen.getByRole('button', { name: 'Set as cover' })).toBeDisabled());
});

test('offline, the albums saved on this device show with a banner, and Try again brings the server\u2019s', async () => {
  const server = new FakeSharingServer();
  server.album({ name: 'Saved' });
  let online = true;
  const storage = new MemoryStore();
  const handler = (r: FakeRequest) => {
    if (!online && r.url.startsWith('/v1/albums')) throw new Error('offline');
    return server.handle(r) ?? (r.url === '/v1/photos' ? page([]) : never());
  };
  const first = await renderApp({ signedIn: true, storage, handler });
  await openAlbumsTab();
  await screen.findByRole('button', { name: 'Album Saved' });
  first.unmount();

  online = false;
  server.album({ name: 'Made elsewhere' });
  await renderApp({ storage, handler });
  await openAlbumsTab();
  expect(await screen.findByText('Offline \u2014 showing saved albums')).toBeOnTheScreen();
  expect(screen.getByRole('button', { name: 'Album Saved' })).toBeOnTheScreen();
  online = true;
  fireEvent.press(screen.getByRole('button', { name: 'Try again' }));
  expect(await screen.findByRole('button', { name: 'Album Made elsewhere' })).toBeOnTheScreen();
});
