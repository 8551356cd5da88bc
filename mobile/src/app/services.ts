import axios, { type AxiosAdapter } from 'axios';
import type { ApiClient } from '../core/api-client';
import type { Operation, ResponseOf } from '../core/api-types';
import { createAlbums, type Albums } from '../core/albums';
import { createCache, type Cache } from '../core/cache';
import { createFamily, type FamilyService } from '../core/family';
import { createLibrary, type Library } from '../core/library';
import type { KeyValueStore } from '../core/storage';
import { ProcessingWatch } from '../core/processing-watch';
import { UploadQueue } from '../core/upload-queue';
import { httpUploadTransport } from '../core/upload-transport';
import type { ByteSource, SourceKeeper } from '../core/upload-types';

export type Me = ResponseOf<Operation<'/v1/me', 'get'>>;

/** Who is signed in, kept beside the tokens so the app opens offline on the right user's cache. */
export interface SessionUser {
  userId: string;
  email: string;
  name?: string | null;
}

/** Everything that belongs to one signed-in user: built at sign-in, stopped at sign-out. */
export interface UserServices {
  user: SessionUser;
  cache: Cache;
  library: Library;
  uploads: UploadQueue;
  albums: Albums;
  family: FamilyService;
  /** Screens that show the library (Home, Trash, Account) listen; mutations and finished uploads notify. */
  onLibraryChanged(listener: () => void): () => void;
  libraryChanged(): void;
  /** Albums, their photos, members or links changed: the album screens listen and read again. */
  onAlbumsChanged(listener: () => void): () => void;
  albumsChanged(): void;
  /** The network is (probably) back: replay pending GETs, wake uploads waiting for it. */
  reconnect(): Promise<void>;
  stop(): void;
}

export interface PlatformDeps {
  storage: KeyValueStore;
  bytes: ByteSource;
  sha256(bytes: Uint8Array): Promise<string>;
  /** Web: keeps picked files in IndexedDB so the queue survives a reload. */
  keeper?: SourceKeeper;
  /** Tests play S3 for the presigned PUTs; the app sends them with axios's default adapter. */
  s3Adapter?: AxiosAdapter;
}

export function createUserServices(api: ApiClient, user: SessionUser, platform: PlatformDeps): UserServices {
  const cache = createCache({ store: platform.storage, scope: user.userId });
  const library = createLibrary(api, cache, platform.storage, user.userId);
  const transport = httpUploadTransport(api, platform.s3Adapter ? axios.create({ adapter: platform.s3Adapter }) : undefined);
  const uploads = new UploadQueue({
    storage: platform.storage,
    scope: user.userId,
    transport,
    bytes: platform.bytes,
    sha256: platform.sha256,
    keeper: platform.keeper,
  });
  const albums = createAlbums(api, cache, library.fetches);
  const family = createFamily(api, cache, library.fetches);
  const listeners = new Set<() => void>();
  const libraryChanged = () => {
    for (const listener of [...listeners]) listener();
  };
  const albumListeners = new Set<() => void>();
  const albumsChanged = () => {
    for (const listener of [...albumListeners]) listener();
  };
  // A photo that reached the server changes the timeline and the usage: tell the screens once per item.
  const settled = new Set<string>();
  const unsubscribe = uploads.subscribe((items) => {
    let changed = false;
    for (const item of items) {
      if (item.step === 'done' && !settled.has(item.id)) {
        settled.add(item.id);
        changed = true;
      }
    }
    if (changed) libraryChanged();
  });
  // A photo the server took may still be rejected when it is decoded: the rows follow it until it is settled.
  const processing = new ProcessingWatch(uploads, transport, { onReady: libraryChanged });
  void uploads.start();
  return {
    user,
    cache,
    library,
    uploads,
    albums,
    family,
    onLibraryChanged(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    libraryChanged,
    onAlbumsChanged(listener) {
      albumListeners.add(listener);
      return () => albumListeners.delete(listener);
    },
    albumsChanged,
    async reconnect() {
      uploads.resume();
      const { done } = await library.replayPending().catch(() => ({ done: 0 }));
      if (done > 0) libraryChanged();
    },
    stop() {
      unsubscribe();
      processing.stop();
      uploads.stop();
      listeners.clear();
      albumListeners.clear();
    },
  };
}
