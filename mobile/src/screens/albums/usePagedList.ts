import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { SwrResult } from '../../core/cache';
import { toApiError, type ApiError } from '../../core/errors';

export interface Paged<T> {
  items: T[];
  nextCursor: string | null;
}

export interface PagedList<T> {
  items: T[];
  /** `loading`: nothing to show yet; `error`: nothing saved and the server could not be read. */
  status: 'loading' | 'ready' | 'error';
  error: ApiError | undefined;
  /** Showing the saved copy because the server could not be read. */
  offline: boolean;
  refreshing: boolean;
  loadingMore: boolean;
  moreFailed: boolean;
  hasMore: boolean;
  refresh(): void;
  loadMore(): void;
}

/** Each id once, in order (a page read again after a change can repeat an item of the one before). */
export function distinctById<T extends { id: string }>(pages: readonly Paged<T>[]): T[] {
  const seen = new Set<string>();
  return pages.flatMap((page) => page.items.filter((item) => !seen.has(item.id) && seen.add(item.id)));
}

/**
 * A cursor-paged list (albums, an album's photos): the saved first page at once, then the server's;
 * the next page near the end; the first page again on a refresh or when `subscribe` says something changed.
 */
export function usePagedList<T extends { id: string }>(
  load: (cursor?: string) => Promise<SwrResult<Paged<T>>>,
  subscribe: (listener: () => void) => () => void,
): PagedList<T> {
  const [pages, setPages] = useState<Paged<T>[]>([]);
  const [status, setStatus] = useState<PagedList<T>['status']>('loading');
  const [error, setError] = useState<ApiError | undefined>();
  const [offline, setOffline] = useState(false);
  const [refreshing, setRefreshing] = useState(false);
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreFailed, setMoreFailed] = useState(false);
  const held = useRef<Paged<T>[]>([]);
  const generation = useRef(0);
  const busyMore = useRef(false);

  const show = useCallback((next: Paged<T>[]) => {
    held.current = next;
    setPages(next);
  }, []);

  const reload = useCallback(
    async (pull: boolean) => {
      const mine = ++generation.current;
      const current = () => mine === generation.current;
      if (pull) setRefreshing(true);
      if (held.current.length === 0) setStatus('loading');
      try {
        const { cached, fresh } = await load();
        if (!current()) return;
        if (cached && held.current.length === 0) {
          show([cached.value]);
          setStatus('ready');
        }
        const page = await fresh;
        if (!current()) return;
        show([page]);
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
        if (current()) setRefreshing(false);
      }
    },
    [load, show],
  );

  useEffect(() => {
    // A new source (another album): start from nothing rather than show the last one's items.
    show([]);
    void reload(false);
    const unsubscribe = subscribe(() => void reload(false));
    return () => {
      generation.current += 1;
      unsubscribe();
    };
  }, [reload, subscribe, show]);

  const loadMore = useCallback(() => {
    const cursor = held.current.at(-1)?.nextCursor;
    if (!cursor || busyMore.current) return;
    const mine = generation.current;
    busyMore.current = true;
    setLoadingMore(true);
    setMoreFailed(false);
    void (async () => {
      try {
        const page = await (await load(cursor)).fresh;
        if (mine === generation.current) show([...held.current, page]);
      } catch (failure) {
        if (mine === generation.current) {
          setError(toApiError(failure));
          setMoreFailed(true);
        }
      } finally {
        busyMore.current = false;
        setLoadingMore(false);
      }
    })();
  }, [load, show]);

  const refresh = useCallback(() => void reload(true), [reload]);
  const items = useMemo(() => distinctById(pages), [pages]);
  return { items, status, error, offline, refreshing, loadingMore, moreFailed, hasMore: !!pages.at(-1)?.nextCursor, refresh, loadMore };
}
