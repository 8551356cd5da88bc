import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useServices } from '../../app/session';
import { toApiError, type ApiError } from '../../core/errors';
import type { ListedPage, Listing, Photo } from '../../core/library';
import { nextCursorOf, photosOf, revalidatePages } from './timeline';

/** Pages asked again on a refresh; the ones after come back as the user scrolls. */
const MAX_REVALIDATED_PAGES = 3;

export interface PhotoList {
  photos: Photo[];
  /** `loading`: nothing to show yet; `error`: nothing saved and the server could not be read. */
  status: 'loading' | 'ready' | 'error';
  error: ApiError | undefined;
  /** Showing saved pages because the last request failed. */
  offline: boolean;
  refreshing: boolean;
  loadingMore: boolean;
  /** The next page failed and nothing saved stood in: the footer offers to try again. */
  moreFailed: boolean;
  hasMore: boolean;
  /** Counts finished reloads (answered or failed): a caller that polls waits for the last one. */
  reloads: number;
  /** Pull to refresh: the spinner shows. */
  refresh(): void;
  /** The same without a spinner, for refreshes the user did not ask for. */
  revalidate(): void;
  loadMore(): void;
}

/**
 * A paged list of the library (timeline or trash) as the grid shows it: the saved pages at once, then
 * the server's; the next page near the end; everything again when the library changed.
 */
export function usePhotoList(listing: Listing): PhotoList {
  const services = useServices();
  const { library } = services;
  const [pages, setPages] = useState<ListedPage[]>([]);
  const [status, setStatus] = useState<PhotoList['status']>('loading');
  const [error, setError] = useState<ApiError | undefined>();
  const [offline, setOffline] = useState(false);
  const [refreshing, setRefreshing] = useState(false);
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreFailed, setMoreFailed] = useState(false);
  const [reloads, setReloads] = useState(0);
  // The latest pages for the async steps, and a generation so a late answer never overwrites a newer reload.
  const held = useRef<ListedPage[]>([]);
  const generation = useRef(0);
  const loadingMoreRef = useRef(false);
  const mounted = useRef(true);

  const show = useCallback((next: ListedPage[]) => {
    held.current = next;
    setPages(next);
  }, []);

  const page = useCallback((cursor: string | undefined) => (listing === 'timeline' ? library.timelinePage(cursor) : library.trashPage(cursor)), [library, listing]);

  /** From the cache when asked (a mutation already edited it), then from the server. */
  const reload = useCallback(
    async (options: { fromCache: boolean; pull?: boolean }) => {
      const mine = ++generation.current;
      const current = () => mounted.current && mine === generation.current;
      if (options.pull) setRefreshing(true);
      // Trying again from the error state: a spinner, not the same error.
      if (held.current.length === 0) setStatus('loading');
      if (options.fromCache) {
        const saved = await library.cachedPages(listing);
        if (!current()) return;
        if (saved.length > 0) {
          show(saved);
          setStatus('ready');
        }
      }
      try {
        const fresh = await revalidatePages(held.current, async (cursor) => (await page(cursor)).fresh, MAX_REVALIDATED_PAGES);
        if (!current()) return;
        show(fresh);
        setStatus('ready');
        setOffline(false);
        setMoreFailed(false);
        setError(undefined);
      } catch (failure) {
        if (!current()) return;
        setError(toApiError(failure));
        if (held.current.length > 0) setOffline(true);
        else setStatus('error');
      } finally {
        if (current()) {
          setRefreshing(false);
          setReloads((n) => n + 1);
        }
      }
    },
    [library, listing, page, show],
  );

  useEffect(() => {
    mounted.current = true;
    void reload({ fromCache: true });
    const unsubscribe = services.onLibraryChanged(() => void reload({ fromCache: true }));
    return () => {
      mounted.current = false;
      unsubscribe();
    };
  }, [reload, services]);

  const loadMore = useCallback(() => {
    const cursor = nextCursorOf(held.current);
    if (cursor === null || loadingMoreRef.current || held.current.length === 0) return;
    const mine = generation.current;
    const current = () => mounted.current && mine === generation.current;
    const put = (value: ListedPage) => {
      // Replaces the page when its cached copy is already shown, else adds it after the last one.
      const others = held.current.filter((p) => p.cursor !== cursor);
      show([...others, value]);
    };
    loadingMoreRef.current = true;
    setLoadingMore(true);
    setMoreFailed(false);
    void (async () => {
      let shownCached = false;
      try {
        const result = await page(cursor);
        if (!current()) return;
        if (result.cached && nextCursorOf(held.current) === cursor) {
          put({ cursor, page: result.cached.value });
          shownCached = true;
        }
        const fresh = await result.fresh;
        if (!current()) return;
        put({ cursor, page: fresh });
        setOffline(false);
      } catch (failure) {
        if (!current()) return;
        setError(toApiError(failure));
        if (shownCached) setOffline(true);
        else setMoreFailed(true);
      } finally {
        loadingMoreRef.current = false;
        if (mounted.current) setLoadingMore(false);
      }
    })();
  }, [page, show]);

  const refresh = useCallback(() => void reload({ fromCache: false, pull: true }), [reload]);
  const revalidate = useCallback(() => void reload({ fromCache: false }), [reload]);
  const photos = useMemo(() => photosOf(pages), [pages]);
  return {
    photos,
    status,
    error,
    offline,
    refreshing,
    loadingMore,
    moreFailed,
    hasMore: nextCursorOf(pages) !== null,
    reloads,
    refresh,
    revalidate,
    loadMore,
  };
}
