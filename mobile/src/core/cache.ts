import type { KeyValueStore } from './storage';

/**
 * Bump when the stored shape changes: entries of other versions are deleted at start-up instead of
 * being read back as the wrong shape.
 */
export const CACHE_VERSION = 1;
const ROOT = 'av:cache:';

export interface CacheOptions {
  store: KeyValueStore;
  /** One cache per signed-in user, so one account never sees another's photos. */
  scope: string;
  /** Bound on the stored JSON's length (AsyncStorage on Android defaults to a 6 MB database). */
  maxBytes?: number;
  maxEntries?: number;
  now?: () => number;
}

export interface Cached<T> {
  value: T;
  storedAt: number;
}

export interface SwrResult<T> {
  /** What the cache had, at once (undefined on a first visit). */
  cached: Cached<T> | undefined;
  /** The server's answer, already stored; rejects when the fetch fails (the cached value stays). */
  fresh: Promise<T>;
}

interface IndexEntry {
  bytes: number;
  usedAt: number;
}

export interface Cache {
  get<T>(name: string): Promise<Cached<T> | undefined>;
  set<T>(name: string, value: T): Promise<void>;
  remove(name: string): Promise<void>;
  /** Stale-while-revalidate: the cached value now, the fetched one when it arrives. Concurrent revalidations of one name share a fetch. */
  swr<T>(name: string, fetch: () => Promise<T>): Promise<SwrResult<T>>;
  clear(): Promise<void>;
  /** Total stored bytes and entries (for tests and a settings screen). */
  size(): Promise<{ bytes: number; entries: number }>;
}

export function createCache(options: CacheOptions): Cache {
  const { store, scope } = options;
  const maxBytes = options.maxBytes ?? 2_000_000;
  const maxEntries = options.maxEntries ?? 500;
  const now = options.now ?? Date.now;
  const prefix = `${ROOT}v${CACHE_VERSION}:${scope}:`;
  const indexKey = `${prefix}#index`;
  const entryKey = (name: string) => `${prefix}e:${name}`;

  let index: Map<string, IndexEntry> | undefined;
  // Every change to the index runs in turn: two concurrent sets must not lose each other's entry.
  let queue: Promise<unknown> = Promise.resolve();
  const inflight = new Map<string, Promise<unknown>>();

  function serial<R>(task: () => Promise<R>): Promise<R> {
    const run = queue.then(task, task);
    queue = run.catch(() => undefined);
    return run;
  }

  async function loaded(): Promise<Map<string, IndexEntry>> {
    if (index) return index;
    const raw = await store.getItem(indexKey);
    let parsed: Record<string, IndexEntry> = {};
    try {
      parsed = raw ? (JSON.parse(raw) as Record<string, IndexEntry>) : {};
    } catch {
      parsed = {};
    }
    index = new Map(Object.entries(parsed));
    // Entries no index mentions (a crash between the two writes) and other versions' keys go now.
    const keys = await store.getAllKeys();
    for (const key of keys) {
      if (!key.startsWith(ROOT)) continue;
      const current = key.startsWith(prefix);
      if (current && (key === indexKey || index.has(key.slice(prefix.length + 2)))) continue;
      if (!current && key.startsWith(`${ROOT}v${CACHE_VERSION}:`)) continue; // another user's scope, same version
      await store.removeItem(key);
    }
    return index;
  }

  async function saveIndex(map: Map<string, IndexEntry>): Promise<void> {
    await store.setItem(indexKey, JSON.stringify(Object.fromEntries(map)));
  }

  async function evict(map: Map<string, IndexEntry>): Promise<void> {
    let bytes = 0;
    for (const entry of map.values()) bytes += entry.bytes;
    const oldestFirst = [...map.entries()].sort((a, b) => a[1].usedAt - b[1].usedAt);
    const victims: string[] = [];
    for (const [name, entry] of oldestFirst) {
      if (bytes <= maxBytes && map.size <= maxEntries) break;
      map.delete(name);
      bytes -= entry.bytes;
      victims.push(name);
    }
    if (victims.length === 0) return;
    await saveIndex(map);
    for (const name of victims) await store.removeItem(entryKey(name));
  }

  const cache: Cache = {
    get: <T>(name: string) =>
      serial(async () => {
        const map = await loaded();
        const entry = map.get(name);
        if (!entry) return undefined;
        const raw = await store.getItem(entryKey(name));
        if (!raw) {
          map.delete(name);
          await saveIndex(map);
          return undefined;
        }
        // Recency is saved with the next write, not on every read: a grid of 60 thumbnails would
        // otherwise rewrite the whole index 60 times (LRU order survives a restart approximately).
        entry.usedAt = now();
        return JSON.parse(raw) as Cached<T>;
      }),
    set: <T>(name: string, value: T) =>
      serial(async () => {
        const map = await loaded();
        const raw = JSON.stringify({ value, storedAt: now() } satisfies Cached<T>);
        if (raw.length > maxBytes) {
          // Too big to keep at all: drop any older copy rather than serve it as current.
          if (map.delete(name)) await saveIndex(map);
          await store.removeItem(entryKey(name));
          return;
        }
        await store.setItem(entryKey(name), raw);
        map.set(name, { bytes: raw.length, usedAt: now() });
        await saveIndex(map);
        await evict(map);
      }),
    remove: (name) =>
      serial(async () => {
        const map = await loaded();
        if (map.delete(name)) await saveIndex(map);
        await store.removeItem(entryKey(name));
      }),
    async swr<T>(name: string, fetch: () => Promise<T>): Promise<SwrResult<T>> {
      const cached = await cache.get<T>(name);
      let fresh = inflight.get(name) as Promise<T> | undefined;
      if (!fresh) {
        fresh = (async () => {
          const value = await fetch();
          await cache.set(name, value);
          return value;
        })();
        inflight.set(name, fresh);
        const clear = () => inflight.delete(name);
        fresh.then(clear, clear);
      }
      return { cached, fresh };
    },
    clear: () =>
      serial(async () => {
        const keys = await store.getAllKeys();
        for (const key of keys) if (key.startsWith(prefix)) await store.removeItem(key);
        index = new Map();
      }),
    size: () =>
      serial(async () => {
        const map = await loaded();
        let bytes = 0;
        for (const entry of map.values()) bytes += entry.bytes;
        return { bytes, entries: map.size };
      }),
  };
  return cache;
}

/** Cache names for the library: one per timeline or trash page (by cursor) and one per photo. */
export const cacheNames = {
  timelinePage: (cursor: string | undefined) => `timeline:${cursor ?? 'first'}`,
  trashPage: (cursor: string | undefined) => `trash:${cursor ?? 'first'}`,
  photo: (id: string) => `photo:${id}`,
};
