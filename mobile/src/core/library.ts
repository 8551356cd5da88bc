import type { ApiClient } from './api-client';
import type { Operation, PathsWith, ResponseOf } from './api-types';
import { cacheNames, type Cache, type SwrResult } from './cache';
import { toApiError } from './errors';
import { FetchQueue, type PendingFetch } from './fetch-queue';
import type { KeyValueStore } from './storage';

export type PhotoPage = ResponseOf<Operation<'/v1/photos', 'get'>>;
export type Photo = ResponseOf<Operation<'/v1/photos/{id}', 'get'>>;

/** One page of the grid: about two screens of thumbnails on a phone. */
export const TIMELINE_PAGE_SIZE = 60;

export interface Library {
  /** The page from the cache at once (online or offline), the server's page when it answers. */
  timelinePage(cursor?: string): Promise<SwrResult<PhotoPage>>;
  photo(id: string): Promise<SwrResult<Photo>>;
  /** The network is back: the GETs that failed offline run again and refill the cache. */
  replayPending(): Promise<{ done: number; left: number }>;
  readonly fetches: FetchQueue;
}

/**
 * What the Home and viewer screens read: the API through the stale-while-revalidate cache, with the
 * GETs that found no network kept in the pending fetch queue until it returns.
 */
export function createLibrary(api: ApiClient, cache: Cache, storage: KeyValueStore, scope: string): Library {
  const perform = async (fetch: PendingFetch): Promise<void> => {
    // A stored fetch names its path as a string; only GET paths of the API are ever stored.
    const value = await api.request('get', fetch.path as PathsWith<'get'>, { path: fetch.pathParams, query: fetch.query } as never);
    await cache.set(fetch.key, value);
  };
  const fetches = new FetchQueue({ storage, scope, perform });

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

  return {
    fetches,
    timelinePage(cursor) {
      const query: { limit: number; cursor?: string } = { limit: TIMELINE_PAGE_SIZE };
      if (cursor) query.cursor = cursor;
      return read({ key: cacheNames.timelinePage(cursor), path: '/v1/photos', query: { ...query } }, () => api.request('get', '/v1/photos', { query }));
    },
    photo(id) {
      return read({ key: cacheNames.photo(id), path: '/v1/photos/{id}', pathParams: { id } }, () => api.request('get', '/v1/photos/{id}', { path: { id } }));
    },
    replayPending: () => fetches.replay(),
  };
}
