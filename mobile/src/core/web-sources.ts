import { SourceUnavailableError, type ByteSource, type SourceKeeper } from './upload-types';

// The web build's picked files. A blob: URI dies with the page, so the queue keeps a copy of each file
// in IndexedDB (the browser's durable store for blobs) and names it `idb:<key>` until the server has it:
// a reload, a crash or a closed tab resumes the upload instead of asking to pick the photo again.

const DB_NAME = 'auroravault-uploads';
const STORE = 'files';
const PREFIX = 'idb:';

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

export function createWebSources(indexedDb: IDBFactory | undefined = globalThis.indexedDB, fetchBlob: (uri: string) => Promise<Blob> = async (uri) => (await fetch(uri)).blob()) {
  let opened: Promise<IDBDatabase> | undefined;
  const db = () => {
    if (!indexedDb) return Promise.reject(new Error('IndexedDB is not available'));
    opened ??= new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDb.open(DB_NAME, 1);
      open.onupgradeneeded = () => open.result.createObjectStore(STORE);
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    return opened;
  };
  const files = async (mode: IDBTransactionMode) => (await db()).transaction(STORE, mode).objectStore(STORE);

  const keeper: SourceKeeper = {
    async keep(source) {
      if (source.uri.startsWith(PREFIX)) return source;
      try {
        const blob = await fetchBlob(source.uri);
        const key = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
        await request((await files('readwrite')).put(blob, key));
        return { ...source, uri: PREFIX + key };
      } catch {
        // No IndexedDB or no room: the blob: URI still works until the page goes.
        return source;
      }
    },
    async release(source) {
      if (source.uri.startsWith(PREFIX)) await request((await files('readwrite')).delete(source.uri.slice(PREFIX.length)));
    },
    async retainOnly(sources) {
      if (!indexedDb) return;
      const live = new Set(sources.filter((s) => s.uri.startsWith(PREFIX)).map((s) => s.uri.slice(PREFIX.length)));
      const store = await files('readwrite');
      for (const key of await request(store.getAllKeys())) if (!live.has(String(key))) await request(store.delete(key));
    },
  };

  const bytes: ByteSource = {
    async read(source, range) {
      let blob: Blob | undefined;
      try {
        blob = source.uri.startsWith(PREFIX) ? await request<Blob | undefined>((await files('readonly')).get(source.uri.slice(PREFIX.length))) : await fetchBlob(source.uri);
      } catch {
        blob = undefined;
      }
      if (!blob) throw new SourceUnavailableError('The photo is no longer available in this browser: pick it again');
      const part = range ? blob.slice(range.start, range.end) : blob;
      return new Uint8Array(await part.arrayBuffer());
    },
  };
  return { keeper, bytes };
}
