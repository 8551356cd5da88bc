import type { ListedPage, Photo, PhotoPage } from '../../../src/core/library';
import { columnsFor, gridRows, revalidatePages } from '../../../src/screens/library/timeline';
import { itemsOf, nextCursorOf } from '../../../src/screens/shared/pages';

const photo = (id: string, takenAt = '2026-11-20T10:00:00'): Photo =>
  ({ id, status: 'ready', filename: `${id}.jpg`, contentType: 'image/jpeg', size: 1, sha256: 's', takenAt, uploadedAt: takenAt, urls: {} }) as Photo;
const listed = (cursor: string | undefined, ids: string[], nextCursor: string | null): ListedPage => ({ cursor, page: { items: ids.map((id) => photo(id)), nextCursor } });
const ids = (photos: Photo[]) => photos.map((p) => p.id);

test('rows hold at most `columns` photos and a day header starts each local day', () => {
  const photos = [
    photo('a', new Date(2026, 10, 21, 18).toISOString()),
    photo('b', new Date(2026, 10, 21, 9).toISOString()),
    photo('c', new Date(2026, 10, 21, 8).toISOString()),
    photo('d', new Date(2026, 10, 21, 7).toISOString()),
    photo('e', new Date(2026, 10, 20, 23, 59).toISOString()),
  ];
  const now = new Date(2026, 10, 21, 20);
  const rows = gridRows(photos, 3, { byDay: true, now });
  expect(rows.map((r) => (r.kind === 'header' ? r.title : ids(r.photos).join('')))).toEqual(['Today', 'abc', 'd', 'Yesterday', 'e']);
  expect(new Set(rows.map((r) => r.key)).size).toBe(rows.length);

  const flat = gridRows(photos, 2, { byDay: false, now });
  expect(flat.map((r) => (r.kind === 'photos' ? ids(r.photos).join('') : r.title))).toEqual(['ab', 'cd', 'e']);
  expect(gridRows([], 3, { byDay: true })).toEqual([]);

  // Out of order (never from the server, but a list must not repeat a key): a second header, its own key.
  const unordered = gridRows([photos[0]!, photos[4]!, photos[1]!], 3, { byDay: true, now });
  expect(unordered.map((r) => r.key)).toEqual(['day:2026-11-21', 'row:a', 'day:2026-11-20', 'row:e', 'day:2026-11-21:1', 'row:b']);
});

test('three columns on a phone, more on a wide window, never more than eight', () => {
  expect(columnsFor(320)).toBe(3);
  expect(columnsFor(430)).toBe(3);
  expect(columnsFor(768)).toBe(5);
  expect(columnsFor(1200)).toBe(8);
  expect(columnsFor(4000)).toBe(8);
});

describe('revalidatePages', () => {
  const server = (pages: Record<string, PhotoPage>) => {
    const asked: (string | undefined)[] = [];
    const fetchPage = async (cursor: string | undefined) => {
      asked.push(cursor);
      const answer = pages[cursor ?? 'first'];
      if (!answer) throw new Error(`no page ${cursor}`);
      return answer;
    };
    return { asked, fetchPage };
  };

  test('a first page that still ends where it did keeps the held pages after it', async () => {
    const held = [listed(undefined, ['a', 'b'], 'c1'), listed('c1', ['c', 'd'], 'c2'), listed('c2', ['e'], null)];
    const { asked, fetchPage } = server({ first: { items: [photo('a'), photo('b2')], nextCursor: 'c1' } });
    const fresh = await revalidatePages(held, fetchPage, 3);
    expect(asked).toEqual([undefined]);
    expect(ids(itemsOf(fresh))).toEqual(['a', 'b2', 'c', 'd', 'e']);
  });

  test('when a boundary moved (a photo added or removed) the following pages are asked with the fresh cursors', async () => {
    const held = [listed(undefined, ['a', 'b'], 'c-b'), listed('c-b', ['c', 'd'], 'c-d'), listed('c-d', ['e'], null)];
    const { asked, fetchPage } = server({
      first: { items: [photo('new'), photo('a')], nextCursor: 'c-a' },
      'c-a': { items: [photo('b'), photo('c')], nextCursor: 'c-c' },
      'c-c': { items: [photo('d'), photo('e')], nextCursor: null },
    });
    const fresh = await revalidatePages(held, fetchPage, 3);
    expect(asked).toEqual([undefined, 'c-a', 'c-c']);
    expect(ids(itemsOf(fresh))).toEqual(['new', 'a', 'b', 'c', 'd', 'e']);
    expect(nextCursorOf(fresh)).toBeNull();
  });

  test('at most maxPages are asked; the rest is dropped to come back by scrolling', async () => {
    const held = [listed(undefined, ['a'], 'x1'), listed('x1', ['b'], 'x2'), listed('x2', ['c'], 'x3'), listed('x3', ['d'], null)];
    const { asked, fetchPage } = server({
      first: { items: [photo('z'), photo('a')], nextCursor: 'y1' },
      y1: { items: [photo('b')], nextCursor: 'y2' },
    });
    const fresh = await revalidatePages(held, fetchPage, 2);
    expect(asked).toEqual([undefined, 'y1']);
    expect(fresh.map((p) => p.cursor)).toEqual([undefined, 'y1']);
    expect(nextCursorOf(fresh)).toBe('y2');
  });

  test('nothing held: the first page only; a failure rejects (the screen keeps what it shows)', async () => {
    const { asked, fetchPage } = server({ first: { items: [photo('a')], nextCursor: 'n' } });
    expect(ids(itemsOf(await revalidatePages([], fetchPage, 3)))).toEqual(['a']);
    expect(asked).toEqual([undefined]);
    const held = [listed(undefined, ['a'], 'n'), listed('n', ['b'], null)];
    const broken = server({ first: { items: [photo('q')], nextCursor: 'moved' } });
    await expect(revalidatePages(held, broken.fetchPage, 3)).rejects.toThrow('no page moved');
  });
});
