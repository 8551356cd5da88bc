import type { Photo } from '../../core/library';
import { dayKey, formatDay } from '../../ui/format';
import type { HeldPage, Paged } from '../shared/pages';

// The grid's data, as plain functions: pages in, rows out (unit-tested in test/screens/library).

/** One line of the grid: a day header, or up to `columns` photos. */
export type GridRow = { kind: 'header'; key: string; title: string } | { kind: 'photos'; key: string; photos: Photo[] };

/**
 * Rows of `columns` photos, in the order given; with `byDay`, a header before each local calendar day
 * (the photos come newest first, so a day's photos are together).
 */
export function gridRows(photos: readonly Photo[], columns: number, options: { byDay: boolean; now?: Date }): GridRow[] {
  const width = Math.max(1, Math.floor(columns));
  const rows: GridRow[] = [];
  let day: string | undefined;
  let current: Photo[] = [];
  // A day seen again (an order the server did not keep) gets a second header, with its own key.
  const headersOfDay = new Map<string, number>();
  const flush = () => {
    if (current.length === 0) return;
    rows.push({ kind: 'photos', key: `row:${current[0]!.id}`, photos: current });
    current = [];
  };
  for (const photo of photos) {
    if (options.byDay) {
      const key = dayKey(photo.takenAt);
      if (key !== day) {
        flush();
        day = key;
        const seen = headersOfDay.get(key) ?? 0;
        headersOfDay.set(key, seen + 1);
        rows.push({ kind: 'header', key: seen === 0 ? `day:${key}` : `day:${key}:${seen}`, title: formatDay(key, options.now) });
      }
    }
    current.push(photo);
    if (current.length === width) flush();
  }
  flush();
  return rows;
}

/** Columns for a window width: three on a phone, more as a browser window widens, never tiles under ~140 pt. */
export function columnsFor(width: number): number {
  return Math.max(3, Math.min(8, Math.floor(width / 140)));
}

/**
 * The held pages asked again from the first, each with the cursor the fresh page before it gave (a
 * photo added or removed shifts every page boundary after it). It stops early when a fresh page ends
 * where the held one did: the held pages after it still follow on. At most `maxPages` are asked;
 * pages past that are dropped and come back with scrolling.
 */
export async function revalidatePages<T>(
  held: readonly HeldPage<T>[],
  fetchPage: (cursor: string | undefined) => Promise<Paged<T>>,
  maxPages: number,
): Promise<HeldPage<T>[]> {
  const fresh: HeldPage<T>[] = [];
  let cursor: string | undefined;
  const wanted = Math.max(1, Math.min(held.length, maxPages));
  for (let i = 0; i < wanted; i++) {
    const page = await fetchPage(cursor);
    fresh.push({ cursor, page });
    if (page.nextCursor === null) return fresh;
    const following = held[i + 1];
    if (following && following.cursor === page.nextCursor) return [...fresh, ...held.slice(i + 1)];
    cursor = page.nextCursor;
  }
  return fresh;
}
