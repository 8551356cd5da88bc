import { toApiError } from './errors';
import type { KeyValueStore } from './storage';

const PREFIX = 'av:fetches:v1:';

/** A GET to make again later, named by what it fills (usually its cache name, which also dedupes). */
export interface PendingFetch {
  key: string;
  path: string;
  pathParams?: Record<string, string>;
  query?: Record<string, string | number>;
  addedAt: number;
}

export interface FetchQueueOptions {
  storage: KeyValueStore;
  /** The signed-in user: their GETs are not replayed with another account's token. */
  scope: string;
  /** Makes the GET and stores its answer (in the cache); throws an ApiError when it fails. */
  perform(fetch: PendingFetch): Promise<void>;
  now?: () => number;
  /** Oldest dropped beyond this: a screen asks again anyway when it is opened. */
  maxEntries?: number;
}

/**
 * The seed's "pending fetch queue": GETs that failed for want of a network are kept (in storage, so
 * a restart keeps them too) and replayed when the network returns; one per key, the newest wins.
 * Only network failures wait here: a 4xx or 5xx answer is an answer, and the request is dropped.
 */
export class FetchQueue {
  private pending: Map<string, PendingFetch> | undefined;
  private replaying: Promise<{ done: number; left: number }> | undefined;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: FetchQueueOptions) {}

  private serial<R>(task: () => Promise<R>): Promise<R> {
    const run = this.chain.then(task, task);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async load(): Promise<Map<string, PendingFetch>> {
    if (this.pending) return this.pending;
    let list: PendingFetch[] = [];
    try {
      list = JSON.parse((await this.options.storage.getItem(PREFIX + this.options.scope)) ?? '[]') as PendingFetch[];
    } catch {
      list = [];
    }
    this.pending = new Map(list.map((f) => [f.key, f]));
    return this.pending;
  }

  private save(map: Map<string, PendingFetch>): Promise<void> {
    return this.options.storage.setItem(PREFIX + this.options.scope, JSON.stringify([...map.values()]));
  }

  /** Runs the GET now; if there is no network, keeps it for replay() and rethrows. */
  async run(fetch: Omit<PendingFetch, 'addedAt'>): Promise<void> {
    try {
      await this.options.perform({ ...fetch, addedAt: this.now() });
    } catch (error) {
      if (toApiError(error).isNetworkError) await this.add(fetch);
      throw error;
    }
  }

  add(fetch: Omit<PendingFetch, 'addedAt'>): Promise<void> {
    return this.serial(async () => {
      const map = await this.load();
      map.delete(fetch.key); // re-inserted last: the newest request for a key is the one kept
      map.set(fetch.key, { ...fetch, addedAt: this.now() });
      const max = this.options.maxEntries ?? 50;
      for (const key of map.keys()) {
        if (map.size <= max) break;
        map.delete(key);
      }
      await this.save(map);
    });
  }

  async size(): Promise<number> {
    return this.serial(async () => (await this.load()).size);
  }

  /**
   * The network is back (or the app came to the foreground): replays in the order they were added.
   * Stops at the first network failure (still offline) and keeps the rest; concurrent calls share one replay.
   * `done` counts the fetches that got an answer (an error answer drops the fetch too).
   */
  replay(): Promise<{ done: number; left: number }> {
    this.replaying ??= this.replayAll().finally(() => {
      this.replaying = undefined;
    });
    return this.replaying;
  }

  private async replayAll(): Promise<{ done: number; left: number }> {
    let done = 0;
    const list = await this.serial(async () => [...(await this.load()).values()]);
    for (const fetch of list) {
      try {
        await this.options.perform(fetch);
      } catch (error) {
        if (toApiError(error).isNetworkError) break;
      }
      done++;
      await this.serial(async () => {
        const map = await this.load();
        // Only if nobody queued a newer request for this key meanwhile.
        if (map.get(fetch.key)?.addedAt === fetch.addedAt) {
          map.delete(fetch.key);
          await this.save(map);
        }
      });
    }
    return { done, left: await this.size() };
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}
