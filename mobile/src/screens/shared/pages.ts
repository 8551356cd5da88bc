// The pages a paged list holds, as plain functions (unit-tested in test/screens/shared/pages.test.ts).

/** One page as the server answers it. */
export interface Paged<T> {
  items: T[];
  nextCursor: string | null;
}

/** A page as a screen holds it, with the cursor it was asked with (undefined for the first). */
export interface HeldPage<T> {
  cursor: string | undefined;
  page: Paged<T>;
}

/**
 * The items of every page in order, each id once: pages asked again after a change (an item added at
 * the top shifts the rest down) can repeat an item the previous page already had.
 */
export function itemsOf<T extends { id: string }>(pages: readonly HeldPage<T>[]): T[] {
  const seen = new Set<string>();
  return pages.flatMap(({ page }) => page.items.filter((item) => !seen.has(item.id) && seen.add(item.id)));
}

/** The cursor of the page after the last one held; null when the server said there is none, or nothing is held. */
export function nextCursorOf(pages: readonly HeldPage<unknown>[]): string | null {
  const last = pages.at(-1);
  return last ? last.page.nextCursor : null;
}

/**
 * The pages with the one asked with `cursor` in place: a cached copy shown while the server answered
 * is replaced where it stands, a page not held yet goes after the last one.
 */
export function putPage<T>(pages: readonly HeldPage<T>[], cursor: string | undefined, page: Paged<T>): HeldPage<T>[] {
  const at = pages.findIndex((held) => held.cursor === cursor);
  if (at === -1) return [...pages, { cursor, page }];
  return pages.map((held, i) => (i === at ? { cursor, page } : held));
}
