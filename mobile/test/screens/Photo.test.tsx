import { fireEvent, screen, waitFor, within } from '@testing-library/react-native';
import type { Photo } from '../../src/core/library';
import { formatDateTime } from '../../src/ui/format';
import type { FakeAnswer, FakeRequest } from '../helpers/fake-http';
import { problem } from '../helpers/fake-http';
import { renderApp, samplePhoto } from '../helpers/render-app';

const page = (items: Photo[]): FakeAnswer => ({ status: 200, body: { items, nextCursor: null } });
const never = () => new Promise<FakeAnswer>(() => undefined);
const deletes = (requests: FakeRequest[]) => requests.filter((r) => r.method === 'DELETE');

/** The dialog is drawn after the screen: its confirm button is the last one with that name. */
async function confirmInDialog(title: string, label: string) {
  await screen.findByText(title);
  fireEvent.press(screen.getAllByRole('button', { name: label }).at(-1)!);
}

async function openFromHome(photo: Photo, handler: (r: FakeRequest) => FakeAnswer | Promise<FakeAnswer>) {
  const view = await renderApp({ signedIn: true, handler });
  fireEvent.press(await screen.findByRole('button', { name: `Photo ${photo.filename}` }));
  return view;
}

test('the viewer shows the preview and the details: file, date, size, dimensions, camera, lens, exposure, location', async () => {
  const photo = samplePhoto({
    id: 'exif-1',
    filename: 'lighthouse.jpg',
    size: 3_500_000,
    width: 6000,
    height: 4000,
    takenAt: '2026-07-14T18:32:05.000Z',
    exif: { make: 'Canon', model: 'Canon EOS R6', lens: 'RF24-105mm F4 L IS USM', exposureTime: 0.004, fNumber: 8, iso: 100, focalLength: 35 },
    location: { lat: 48.858372, lon: -2.294481 },
  });
  await openFromHome(photo, (r) => (r.url === '/v1/photos' ? page([photo]) : r.url === '/v1/photos/exif-1' ? { status: 200, body: photo } : never()));

  const details = await screen.findByLabelText('Details');
  for (const text of ['lighthouse.jpg', formatDateTime('2026-07-14T18:32:05.000Z'), '3.3 MB', '6000 × 4000', 'Canon EOS R6', 'RF24-105mm F4 L IS USM', '1/250 s · ƒ/8 · ISO 100 · 35 mm', '48.85837° N, 2.29448° W']) {
    expect(within(details).getByText(text)).toBeOnTheScreen();
  }
  expect(screen.getByLabelText('Preview of lighthouse.jpg')).toBeOnTheScreen();
  expect(screen.queryByRole('button', { name: 'Restore' })).toBeNull();
});

test('a photo without EXIF lists only what is known', async () => {
  const photo = samplePhoto({ id: 'plain', filename: 'scan.png', exif: undefined, location: undefined, width: undefined, height: undefined });
  await openFromHome(photo, (r) => (r.url === '/v1/photos' ? page([photo]) : { status: 200, body: photo }));
  const details = await screen.findByLabelText('Details');
  expect(within(details).getByText('scan.png')).toBeOnTheScreen();
  for (const label of ['Camera', 'Lens', 'Exposure', 'Location', 'Dimensions']) expect(within(details).queryByText(label)).toBeNull();
});

test('Move to trash asks first; DELETE goes only after confirming, and the tile is gone from Home before the timeline is fetched again', async () => {
  const keep = samplePhoto({ id: 'keep', filename: 'keep.jpg' });
  const bin = samplePhoto({ id: 'bin', filename: 'bin.jpg' });
  let deleted = false;
  const { requests } = await openFromHome(bin, (r) => {
    if (r.method === 'DELETE' && r.url === '/v1/photos/bin') {
      deleted = true;
      return { status: 204 };
    }
    if (r.url === '/v1/photos') return deleted ? never() : page([keep, bin]);
    if (r.url === '/v1/photos/bin') return { status: 200, body: bin };
    return never();
  });

  fireEvent.press(await screen.findByRole('button', { name: 'Move to trash' }));
  expect(await screen.findByText('Move to trash?')).toBeOnTheScreen();
  expect(screen.getAllByRole('button', { name: 'Move to trash' })).toHaveLength(2);
  fireEvent.press(screen.getByRole('button', { name: 'Cancel' }));
  await waitFor(() => expect(screen.queryByText('Move to trash?')).toBeNull());
  expect(deletes(requests)).toEqual([]);

  fireEvent.press(screen.getByRole('button', { name: 'Move to trash' }));
  await confirmInDialog('Move to trash?', 'Move to trash');
  // Back on Home (its tiles are visible again, not hidden under the viewer), without the trashed one.
  expect(await screen.findByRole('button', { name: 'Photo keep.jpg' })).toBeOnTheScreen();
  expect(screen.queryByRole('button', { name: 'Photo bin.jpg' })).toBeNull();
  expect(screen.queryByTestId('photo-tile-bin', { includeHiddenElements: true })).toBeNull();
  expect(deletes(requests).map((r) => r.url)).toEqual(['/v1/photos/bin']);
});

test('a photo that is gone says so: the viewer shows the saved copy with a banner and offers no action', async () => {
  const gone = samplePhoto({ id: 'gone', filename: 'gone.jpg' });
  await openFromHome(gone, (r) => (r.url === '/v1/photos' ? page([gone]) : problem(404, 'Not Found')));
  expect(await screen.findByText('This photo is no longer in your library')).toBeOnTheScreen();
  expect(screen.getByRole('button', { name: 'Move to trash' })).toBeDisabled();
});

test('a failed move to trash is explained and the photo stays', async () => {
  const photo = samplePhoto({ id: 'stay', filename: 'stay.jpg' });
  await openFromHome(photo, (r) => {
    if (r.method === 'DELETE') return problem(404, 'Not Found');
    if (r.url === '/v1/photos') return page([photo]);
    return { status: 200, body: photo };
  });
  fireEvent.press(await screen.findByRole('button', { name: 'Move to trash' }));
  await confirmInDialog('Move to trash?', 'Move to trash');
  expect(await screen.findByText('This photo is no longer in your library')).toBeOnTheScreen();
});

test('offline, moving to trash says so and the viewer keeps the photo', async () => {
  const photo = samplePhoto({ id: 'far', filename: 'far.jpg' });
  let online = true;
  await openFromHome(photo, (r) => {
    if (r.url === '/v1/photos') return page([photo]);
    if (!online) throw new Error('offline');
    return { status: 200, body: photo };
  });
  expect(await screen.findByLabelText('Details')).toBeOnTheScreen();
  online = false;
  fireEvent.press(screen.getByRole('button', { name: 'Move to trash' }));
  await confirmInDialog('Move to trash?', 'Move to trash');
  expect(await screen.findByText(/You are offline/)).toBeOnTheScreen();
  expect(screen.getByLabelText('Details')).toBeOnTheScreen();
});
