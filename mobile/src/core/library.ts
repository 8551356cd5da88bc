import type { ApiClient } from './api-client';
import type { Operation, PathsWith, ResponseOf } from './api-types';
import { cacheNames, type Cache, type SwrResult } from './cache';
import { toApiError } from './errors';
import { FetchQueue, type PendingFetch } from './fetch-queue';
import type { KeyValueStore } from './storage';

export type PhotoPage = ResponseOf<Operation<'/v1/photos', 'get'>>;
export type Photo = ResponseOf<Operation<'/v1/photos/{id}', 'get'>>;

/** The two paged lists of the library: the timeline (newest taken first) and the trash (newest trashed first). */
export type Listing = 'timeline' | 'trash';

/** A page as a screen holds it, with the cursor it was asked with (undefined for the first). */
export interface ListedPage {
  cursor: string | undefined;
  page: PhotoPage;
}

/** One page of the grid: about two screens of thumbnails on a phone. */
export const TIMELINE_PAGE_SIZE = 60;

/** How far the cached pages of a list are followed (a guard, and about what a restart should show). */
const MAX_CACHED_PAGES = 20;

const listingPath = { timeline: '/v1/photos', trash: '/v1/trash' } as const;
const pageName = (listing: Listing, cursor: string | undefined) =>
  listing === 'timeline' ? cacheNames.timelinePage(cursor) : cacheNames.trashPage(cursor);

export interface Library {
  /** The page from the cache at once (online or offline), the server's page when it answers. */
  timelinePage(cursor?: string): Promise<SwrResult<PhotoPage>>;
  trashPage(cursor?: string): Promise<SwrResult<PhotoPage>>;
  /** The pages the cache holds from the first on, each the one its predecessor's nextCursor names. */
  cachedPages(listing: Listing): Promise<ListedPage[]>;
  /** The photo from its own cache entry, else from a cached page; the server's copy when it answers. */
  photo(id: string): Promise<SwrResult<Photo>>;
  /** DELETE /v1/photos/{id}; the cached timeline loses it and the cached trash gains it at once. */
  moveToTrash(id: string): Promise<void>;
  /** POST /v1/photos/{id}/restore; the cached trash loses it and the cached timeline gets it back in place. */
  restore(id: string): Promise<Photo>;
  /** DELETE /v1/trash (202, purged in a job): the cached trash is empty at once, and stays so while the job runs. */
  emptyTrash(): Promise<void>;
  /** The network is back: the GETs that failed offline run again and refill the cache. */
  replayPending(): Promise<{ done: number; left: number }>;
  readonly fetches: FetchQueue;
}

/**
 * What the library screens read and change: the API through the stale-while-revalidate cache, with
 * the GETs that found no network kept in the pending fetch queue until it returns. Mutations edit
 * the cached pages themselves, so every screen shows the change before anything is fetched again.
 */
export function createLibrary(api: ApiClient, cache: Cache, storage: KeyValueStore, scope: string): Library {
  const perform = async (fetch: PendingFetch): Promise<void> => {
    // A stored fetch names its path as a string; only GET paths of the API are ever stored.
    const value = await api.request('get', fetch.path as PathsWith<'get'>, { path: fetch.pathParams, query: fetch.query } as never);
    await cache.set(fetch.key, value);
  };
  const fetches = new FetchQueue({ storage, scope, perform });
  // Emptying the trash answers 202 and purges in a job: until it ran, the server still lists those
  // photos. Everything trashed at or before this instant (the server's clock) is hidden meanwhile.
  let purgedThrough = Number.NEGATIVE_INFINITY;
  // Counts finished mutations. A GET that was already on its way when one finished may carry the
  // state before it, and would overwrite the edited cache with it: such a GET is made again.
  let mutations = 0;
  async function afterMutations<T>(load: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const seen = mutations;
      const value = await load();
      if (seen === mutations || attempt === 3) return value;
    }
  }

  async function read<T>(pending: Omit<PendingFetch, 'addedAt'>, load: () => Promise<T>): Promise<SwrResult<T>> {
    const result = await cache.swr(pending.key, load);
    const fresh = result.fresh.catch(async (error: unknown) => {
      if (toApiError(error).isNetworkError) await fetches.add(pending);
      throw error;
    });
    // The screen may ignore `fresh` when it shows the cached value: no unhandled rejection for that.
    fresh.catch(() => undefined);
    return { cached: result.cached, fresh };
  }

  function listPage(listing: Listing, cursor: string | undefined): Promise<SwrResult<PhotoPage>> {
    const query: { limit: number; cursor?: string } = { limit: TIMELINE_PAGE_SIZE };
    if (cursor) query.cursor = cursor;
    const path = listingPath[listing];
    return read({ key: pageName(listing, cursor), path, query: { ...query } }, () => afterMutations(() => api.request('get', path, { query })));
  }

  const notPurged = (page: PhotoPage): PhotoPage => ({
    ...page,
    items: page.items.filter((p) => !(p.trashedAt && Date.parse(p.trashedAt) <= purgedThrough)),
  });

  async function cachedPages(listing: Listing): Promise<ListedPage[]> {
    const pages: ListedPage[] = [];
    let cursor: string | undefined;
    while (pages.length < MAX_CACHED_PAGES) {
      const entry = await cache.get<PhotoPage>(pageName(listing, cursor));
      if (!entry) break;
      pages.push({ cursor, page: listing === 'trash' ? notPurged(entry.value) : entry.value });
      if (entry.value.nextCursor === null) break;
      cursor = entry.value.nextCursor;
    }
    return pages;
  }

  /** Rewrites cached pages in order until `edit` says it is done; `edit` returns the new items or undefined to leave a page. */
  async function editPages(listing: Listing, edit: (items: Photo[], isLastPage: boolean) => { items?: Photo[]; done?: boolean }): Promise<void> {
    for (const { cursor, page } of await cachedPages(listing)) {
      const result = edit(page.items, page.nextCursor === null);
      if (result.items) await cache.set(pageName(listing, cursor), { ...page, items: result.items });
      if (result.done) return;
    }
  }

  const removeFrom = (listing: Listing, id: string) =>
    editPages(listing, (items) => (items.some((p) => p.id === id) ? { items: items.filter((p) => p.id !== id), done: true } : {}));

  async function findCached(id: string): Promise<Photo | undefined> {
    for (const listing of ['timeline', 'trash'] as const) {
      for (const { page } of await cachedPages(listing)) {
        const found = page.items.find((p) => p.id === id);
        if (found) return found;
      }
    }
    return undefined;
  }

  return {
    fetches,
    timelinePage: (cursor) => listPage('timeline', cursor),
    async trashPage(cursor) {
      const result = await listPage('trash', cursor);
      const fresh = result.fresh.then(notPurged);
      fresh.catch(() => undefined);
      return { cached: result.cached && { ...result.cached, value: notPurged(result.cached.value) }, fresh };
    },
    cachedPages,
    async photo(id) {
      const result = await read({ key: cacheNames.photo(id), path: '/v1/photos/{id}', pathParams: { id } }, () =>
        afterMutations(() => api.request('get', '/v1/photos/{id}', { path: { id } })),
      );
      if (result.cached) return result;
      // Opened from the grid: the page already had it, offline too.
      const fromPage = await findCached(id);
      return { cached: fromPage && { value: fromPage, storedAt: 0 }, fresh: result.fresh };
    },
    async moveToTrash(id) {
      try {
        await api.request('delete', '/v1/photos/{id}', { path: { id } });
        mutations++;
      } catch (error) {
        // Gone already (trashed elsewhere and purged): the cache must stop showing it too.
        if (toApiError(error).status === 404) {
          await removeFrom('timeline', id);
          await cache.remove(cacheNames.photo(id));
        }
        throw error;
      }
      let photo = (await cache.get<Photo>(cacheNames.photo(id)))?.value;
      await editPages('timeline', (items) => {
        const found = items.find((p) => p.id === id);
        if (!found) return {};
        photo ??= found;
        return { items: items.filter((p) => p.id !== id), done: true };
      });
      if (!photo) return;
      const trashed: Photo = { ...photo, trashedAt: new Date().toISOString() };
      await cache.set(cacheNames.photo(id), trashed);
      // Newest trashed first: it heads the first page (a longer first page leaves the next cursor right).
      const first = await cache.get<PhotoPage>(cacheNames.trashPage(undefined));
      if (first) await cache.set(cacheNames.trashPage(undefined), { ...first.value, items: [trashed, ...first.value.items.filter((p) => p.id !== id)] });
    },
    async restore(id) {
      const photo = await api.request('post', '/v1/photos/{id}/restore', { path: { id } });
      mutations++;
      await removeFrom('trash', id);
      await cache.set(cacheNames.photo(id), photo);
      // Back where it was taken: before the first cached photo taken earlier (or last on the last page).
      const takenAt = Date.parse(photo.takenAt);
      await editPages('timeline', (items, isLastPage) => {
        const others = items.filter((p) => p.id !== id);
        const at = others.findIndex((p) => Date.parse(p.takenAt) < takenAt);
        if (at >= 0) return { items: [...others.slice(0, at), photo, ...others.slice(at)], done: true };
        if (isLastPage) return { items: [...others, photo], done: true };
        return {};
      });
      return photo;
    },
    async emptyTrash() {
      const pages = await cachedPages('trash');
      await api.request('delete', '/v1/trash');
      mutations++;
      for (const { page } of pages) {
        for (const p of page.items) {
          if (p.trashedAt) purgedThrough = Math.max(purgedThrough, Date.parse(p.trashedAt));
          await cache.remove(cacheNames.photo(p.id));
        }
      }
      for (const { cursor } of pages) await cache.remove(cacheNames.trashPage(cursor));
      await cache.set<PhotoPage>(cacheNames.trashPage(undefined), { items: [], nextCursor: null });
    },
    replayPending: () => fetches.replay(),
  };
}
