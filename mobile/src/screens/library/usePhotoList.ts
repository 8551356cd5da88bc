import { useMemo } from 'react';
import { useServices } from '../../app/session';
import type { Listing, Photo } from '../../core/library';
import { usePages, type PagedList, type PageSource } from '../shared/usePages';
import { revalidatePages } from './timeline';

/** Pages asked again on a refresh; the ones after come back as the user scrolls. */
const MAX_REVALIDATED_PAGES = 3;

export type PhotoList = Omit<PagedList<Photo>, 'items'> & { photos: Photo[] };

/**
 * A paged list of the library (timeline or trash) as the grid shows it: the saved pages at once, then
 * the server's; the next page near the end; the pages held asked again when the library changed.
 */
export function usePhotoList(listing: Listing): PhotoList {
  const services = useServices();
  const { library } = services;
  const source = useMemo<PageSource<Photo>>(() => {
    const page = (cursor: string | undefined) => (listing === 'timeline' ? library.timelinePage(cursor) : library.trashPage(cursor));
    return {
      async reload({ fromCache, held, stopgap }) {
        // From the cache when asked: a mutation already edited it. A stale reload asks the server nothing.
        if (fromCache && !stopgap(await library.cachedPages(listing))) return [];
        return revalidatePages(held(), async (cursor) => (await page(cursor)).fresh, MAX_REVALIDATED_PAGES);
      },
      page,
    };
  }, [library, listing]);
  const { items, ...list } = usePages(source, services.onLibraryChanged);
  return { photos: items, ...list };
}
