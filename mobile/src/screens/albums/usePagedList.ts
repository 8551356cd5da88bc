import { useMemo } from 'react';
import type { SwrResult } from '../../core/cache';
import type { Paged } from '../shared/pages';
import { usePages, type PagedList, type PageSource } from '../shared/usePages';

/**
 * A cursor-paged list (albums, an album's photos): the saved first page at once, then the server's;
 * the next page near the end; the first page again on a refresh or when `subscribe` says something changed.
 */
export function usePagedList<T extends { id: string }>(
  load: (cursor?: string) => Promise<SwrResult<Paged<T>>>,
  subscribe: (listener: () => void) => () => void,
): PagedList<T> {
  const source = useMemo<PageSource<T>>(
    () => ({
      async reload({ held, stopgap }) {
        const { cached, fresh } = await load();
        // The saved copy only stands in for nothing: over pages already shown it would be a step back.
        if (cached && held().length === 0) stopgap([{ cursor: undefined, page: cached.value }]);
        return [{ cursor: undefined, page: await fresh }];
      },
      page: load,
    }),
    [load],
  );
  return usePages(source, subscribe);
}
