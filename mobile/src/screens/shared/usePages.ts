import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { SwrResult } from '../../core/cache';
import { toApiError, type ApiError } from '../../core/errors';
import { itemsOf, nextCursorOf, putPage, type HeldPage, type Paged } from './pages';

export interface PagedList<T> {
  items: T[];
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

export interface Reload<T> {
  /** True on the first load and when `subscribe` said something changed: the cache may already hold the change. */
  fromCache: boolean;
  /** The pages held at the moment of asking (a saved copy shown meanwhile counts). */
  held(): readonly HeldPage<T>[];
  /** Shows a saved copy while the server answers; false once a newer reload (or leaving the screen) made this one stale. */
  stopgap(pages: HeldPage<T>[]): boolean;
}

/** What differs between the paged lists: how they are read again, and how one more page is read. */
export interface PageSource<T> {
  /** The pages from the server; what a stale reload answers is dropped. */
  reload(reload: Reload<T>): Promise<HeldPage<T>[]>;
  /** The page after the last one held: its cached copy stands in while the server answers. */
  page(cursor: string): Promise<SwrResult<Paged<T>>>;
}

/**
 * A cursor-paged list as a screen shows it: what the source saved at once, then the server's; the
 * next page near the end; a reload on a refresh or when `subscribe` says something changed. A new
 * `source` starts from nothing rather than show the last one's items.
 */
export function usePages<T extends { id: string }>(source: PageSource<T>, subscribe: (listener: () => void) => () => void): PagedList<T> {
  const [pages, setPages] = useState<HeldPage<T>[]>([]);
  const [status, setStatus] = useState<PagedList<T>['status']>('loading');
  const [error, setError] = useState<ApiError | undefined>();
  const [offline, setOffline] = useState(false);
  const [refreshing, setRefreshing] = useState(false);
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreFailed, setMoreFailed] = useState(false);
  const [reloads, setReloads] = useState(0);
  // The latest pages for the async steps, and a generation (bumped by each reload and on unmount) so
  // a late answer never overwrites a newer reload or sets the state of a screen that is gone.
  const held = useRef<HeldPage<T>[]>([]);
  const generation = useRef(0);
  const busyMore = useRef(false);

  const show = useCallback((next: HeldPage<T>[]) => {
    held.current = next;
    setPages(next);
  }, []);

  const reload = useCallback(
    async (options: { fromCache: boolean; pull?: boolean }) => {
      const mine = ++generation.current;
      const current = () => mine === generation.current;
      if (options.pull) setRefreshing(true);
      // Trying again from the error state: a spinner, not the same error.
      if (held.current.length === 0) setStatus('loading');
      const stopgap = (saved: HeldPage<T>[]) => {
        if (!current()) return false;
        if (saved.length > 0) {
          show(saved);
          setStatus('ready');
        }
        return true;
      };
      try {
        const fresh = await source.reload({ fromCache: options.fromCache, held: () => held.current, stopgap });
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
    [source, show],
  );

  useEffect(() => {
    show([]);
    void reload({ fromCache: true });
    const unsubscribe = subscribe(() => void reload({ fromCache: true }));
    return () => {
      generation.current += 1;
      unsubscribe();
    };
  }, [reload, subscribe, show]);

  const loadMore = useCallback(() => {
    const cursor = nextCursorOf(held.current);
    if (cursor === null || busyMore.current) return;
    const mine = generation.current;
    const current = () => mine === generation.current;
    busyMore.current = true;
    setLoadingMore(true);
    setMoreFailed(false);
    void (async () => {
      let shownCached = false;
      try {
        const result = await source.page(cursor);
        if (!current()) return;
        if (result.cached) {
          show(putPage(held.current, cursor, result.cached.value));
          shownCached = true;
        }
        const fresh = await result.fresh;
        if (!current()) return;
        show(putPage(held.current, cursor, fresh));
        setOffline(false);
      } catch (failure) {
        if (!current()) return;
        setError(toApiError(failure));
        if (shownCached) setOffline(true);
        else setMoreFailed(true);
      } finally {
        busyMore.current = false;
        // Harmless after unmount (React drops it); a reload in between still ends this spinner.
        setLoadingMore(false);
      }
    })();
  }, [source, show]);

  const refresh = useCallback(() => void reload({ fromCache: false, pull: true }), [reload]);
  const revalidate = useCallback(() => void reload({ fromCache: false }), [reload]);
  const items = useMemo(() => itemsOf(pages), [pages]);
  return { items, status, error, offline, refreshing, loadingMore, moreFailed, hasMore: nextCursorOf(pages) !== null, reloads, refresh, revalidate, loadMore };
}
