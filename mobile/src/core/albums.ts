import type { ApiClient } from './api-client';
import type { Body, Operation, PathsWith } from './api-types';
import { chunk } from './album-rules';
import type { Cache, SwrResult } from './cache';
import { toApiError } from './errors';
import type { FetchQueue } from './fetch-queue';
import type { Album, AlbumPage, AlbumPhoto, AlbumPhotoPage, BatchResult, Member, MemberRole, ShareLink } from './sharing-types';

export type NewLink = Body<Operation<'/v1/albums/{albumId}/links', 'post'>>;

/** One page of an album's grid, as the timeline's. */
export const ALBUM_PAGE_SIZE = 60;
const LIST_PAGE_SIZE = 50;
/** How far findPhoto follows an album's pages (a guard: a viewer opened from the grid finds it in the first). */
const MAX_PAGES_SEARCHED = 20;

export const albumCacheNames = {
  mine: (cursor: string | undefined) => `albums:mine:${cursor ?? 'first'}`,
  shared: (cursor: string | undefined) => `albums:shared:${cursor ?? 'first'}`,
  album: (id: string) => `album:${id}`,
  photos: (id: string, cursor: string | undefined) => `album:${id}:photos:${cursor ?? 'first'}`,
};

export interface Albums {
  /** My albums, newest first: the cached page at once, the server's when it answers. */
  mine(cursor?: string): Promise<SwrResult<AlbumPage>>;
  /** Albums others share with me. */
  shared(cursor?: string): Promise<SwrResult<AlbumPage>>;
  album(id: string): Promise<SwrResult<Album>>;
  photos(id: string, cursor?: string): Promise<SwrResult<AlbumPhotoPage>>;
  /** A photo of the album: from the saved pages, else the server's pages are read until it turns up. */
  findPhoto(id: string, photoId: string): Promise<AlbumPhoto | undefined>;
  create(name: string): Promise<Album>;
  update(id: string, change: { name?: string; coverPhotoId?: string | null }): Promise<Album>;
  delete(id: string): Promise<void>;
  /** Any number of ids, sent in batches of 200; one result per id. */
  addPhotos(id: string, photoIds: readonly string[]): Promise<BatchResult[]>;
  removePhotos(id: string, photoIds: readonly string[]): Promise<BatchResult[]>;
  members(id: string): Promise<Member[]>;
  share(id: string, email: string, role: MemberRole): Promise<Member>;
  /** The owner removing someone, or a member removing themself (leaving). */
  removeMember(id: string, userId: string): Promise<void>;
  links(id: string): Promise<ShareLink[]>;
  createLink(id: string, link: NewLink): Promise<ShareLink>;
  revokeLink(id: string, linkId: string): Promise<void>;
}

/**
 * The albums, sharing and family routes. Reads go through the stale-while-revalidate cache (the lists
 * and an album's first pages open offline) and, when they found no network, wait in the pending fetch
 * queue; mutations go straight to the server and drop what they made stale.
 */
export function createAlbums(api: ApiClient, cache: Cache, fetches: FetchQueue): Albums {
  /** A cached GET; `path` and `options` are also what the fetch queue replays when it found no network. */
  async function read<T>(key: string, path: PathsWith<'get'>, options: { path?: Record<string, string>; query?: Record<string, string | number> }): Promise<SwrResult<T>> {
    const result = await cache.swr<T>(key, () => api.request('get', path, options as never) as Promise<T>);
    const fresh = result.fresh.catch(async (error: unknown) => {
      if (toApiError(error).isNetworkError) await fetches.add({ key, path, pathParams: options.path, query: options.query });
      throw error;
    });
    fresh.catch(() => undefined);
    return { cached: result.cached, fresh };
  }

  const pageQuery = (limit: number, cursor: string | undefined): Record<string, string | number> => (cursor ? { limit, cursor } : { limit });

  async function batches(id: string, verb: 'add' | 'remove', photoIds: readonly string[]): Promise<BatchResult[]> {
    const results: BatchResult[] = [];
    try {
      for (const ids of chunk(photoIds)) {
        const options = { path: { albumId: id }, body: { photoIds: ids } };
        const answer =
          verb === 'add' ? await api.request('post', '/v1/albums/{albumId}/photos', options) : await api.request('post', '/v1/albums/{albumId}/photos/remove', options);
        results.push(...answer.results);
      }
    } finally {
      // Counts, cover and pages changed (partly, when a later batch failed).
      if (results.length > 0) await forgetAlbum(id);
    }
    return results;
  }

  async function forgetAlbum(id: string): Promise<void> {
    await cache.remove(albumCacheNames.album(id));
    await cache.remove(albumCacheNames.photos(id, undefined));
    await cache.remove(albumCacheNames.mine(undefined));
  }

  return {
    mine: (cursor) => read(albumCacheNames.mine(cursor), '/v1/albums', { query: pageQuery(LIST_PAGE_SIZE, cursor) }),
    shared: (cursor) => read(albumCacheNames.shared(cursor), '/v1/albums/shared', { query: pageQuery(LIST_PAGE_SIZE, cursor) }),
    album: (id) => read(albumCacheNames.album(id), '/v1/albums/{albumId}', { path: { albumId: id } }),
    photos: (id, cursor) => read(albumCacheNames.photos(id, cursor), '/v1/albums/{albumId}/photos', { path: { albumId: id }, query: pageQuery(ALBUM_PAGE_SIZE, cursor) }),
    async findPhoto(id, photoId) {
      let cursor: string | undefined;
      for (let i = 0; i < MAX_PAGES_SEARCHED; i++) {
        const entry = await cache.get<AlbumPhotoPage>(albumCacheNames.photos(id, cursor));
        if (!entry) break;
        const found = entry.value.items.find((p) => p.id === photoId);
        if (found) return found;
        if (!entry.value.nextCursor) break;
        cursor = entry.value.nextCursor;
      }
      cursor = undefined;
      for (let i = 0; i < MAX_PAGES_SEARCHED; i++) {
        const page: AlbumPhotoPage = await api.request('get', '/v1/albums/{albumId}/photos', { path: { albumId: id }, query: { limit: ALBUM_PAGE_SIZE, ...(cursor ? { cursor } : {}) } });
        await cache.set(albumCacheNames.photos(id, cursor), page);
        const found = page.items.find((p) => p.id === photoId);
        if (found || !page.nextCursor) return found;
        cursor = page.nextCursor;
      }
      return undefined;
    },
    async create(name) {
      const album = await api.request('post', '/v1/albums', { body: { name: name.trim() } });
      await cache.set(albumCacheNames.album(album.id), album);
      await cache.remove(albumCacheNames.mine(undefined));
      return album;
    },
    async update(id, change) {
      const album = await api.request('patch', '/v1/albums/{albumId}', { path: { albumId: id }, body: change });
      await cache.set(albumCacheNames.album(id), album);
      await cache.remove(albumCacheNames.mine(undefined));
      return album;
    },
    async delete(id) {
      try {
        await api.request('delete', '/v1/albums/{albumId}', { path: { albumId: id } });
      } finally {
        await forgetAlbum(id);
      }
    },
    addPhotos: (id, photoIds) => batches(id, 'add', photoIds),
    removePhotos: (id, photoIds) => batches(id, 'remove', photoIds),
    members: async (id) => (await api.request('get', '/v1/albums/{albumId}/members', { path: { albumId: id } })).items,
    share: (id, email, role) => api.request('post', '/v1/albums/{albumId}/members', { path: { albumId: id }, body: { email: email.trim(), role } }),
    async removeMember(id, userId) {
      await api.request('delete', '/v1/albums/{albumId}/members/{userId}', { path: { albumId: id, userId } });
      await cache.remove(albumCacheNames.shared(undefined));
    },
    links: async (id) => (await api.request('get', '/v1/albums/{albumId}/links', { path: { albumId: id } })).items,
    createLink: (id, link) => api.request('post', '/v1/albums/{albumId}/links', { path: { albumId: id }, body: link }),
    async revokeLink(id, linkId) {
      await api.request('delete', '/v1/albums/{albumId}/links/{linkId}', { path: { albumId: id, linkId } });
    },
  };
}
