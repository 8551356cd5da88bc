import { itemsOf, nextCursorOf, putPage, type HeldPage } from '../../../src/screens/shared/pages';

type Item = { id: string };
const held = (cursor: string | undefined, ids: string[], nextCursor: string | null): HeldPage<Item> => ({ cursor, page: { items: ids.map((id) => ({ id })), nextCursor } });
const ids = (pages: HeldPage<Item>[]) => itemsOf(pages).map((item) => item.id);

test('pages flatten in order, each item once even when a shifted page repeats it', () => {
  expect(ids([held(undefined, ['a', 'b', 'c'], 'c1'), held('c1', ['c', 'd'], null)])).toEqual(['a', 'b', 'c', 'd']);
  expect(itemsOf([])).toEqual([]);
});

test('the next cursor is the last page’s; null when the server said the list ends, or nothing is held', () => {
  expect(nextCursorOf([held(undefined, ['a'], 'c1')])).toBe('c1');
  expect(nextCursorOf([held(undefined, ['a'], 'c1'), held('c1', ['b'], null)])).toBeNull();
  expect(nextCursorOf([])).toBeNull();
});

test('a loaded page goes after the last one, or replaces the cached copy of itself where it stands', () => {
  const first = held(undefined, ['a'], 'c1');
  const cachedCopy = held('c1', ['b'], 'c2');
  const shown = putPage([first], 'c1', cachedCopy.page);
  expect(shown).toEqual([first, cachedCopy]);

  const fresh = putPage(shown, 'c1', { items: [{ id: 'b' }, { id: 'b2' }], nextCursor: null });
  expect(fresh.map((p) => p.cursor)).toEqual([undefined, 'c1']);
  expect(ids(fresh)).toEqual(['a', 'b', 'b2']);
  expect(nextCursorOf(fresh)).toBeNull();

  // Replaced in place: a page in the middle keeps its position and the pages after it.
  const middle = putPage([first, cachedCopy, held('c2', ['c'], null)], 'c1', { items: [{ id: 'x' }], nextCursor: 'c2' });
  expect(ids(middle)).toEqual(['a', 'x', 'c']);
  // The input is left as it was (the hook keeps it in a ref that React state also holds).
  expect(ids(shown)).toEqual(['a', 'b']);
});
