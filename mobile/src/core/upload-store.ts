import type { KeyValueStore } from './storage';
import type { UploadItem } from './upload-types';

/** Bump when UploadItem's stored shape changes incompatibly (and migrate: these are the user's photos). */
export const UPLOAD_STORE_VERSION = 1;

/**
 * One AsyncStorage key per item, so writing one item's progress can never lose another's: the queue
 * writes an item before it starts on it and after every step, and deletes it only once the server has it.
 */
export class UploadStore {
  private readonly prefix: string;

  /** `scope` is the signed-in user: one account's pending photos must never upload into another's library. */
  constructor(
    private readonly kv: KeyValueStore,
    scope: string,
  ) {
    this.prefix = `av:uploads:v${UPLOAD_STORE_VERSION}:${scope}:`;
  }

  async loadAll(): Promise<UploadItem[]> {
    const keys = (await this.kv.getAllKeys()).filter((k) => k.startsWith(this.prefix));
    const items: UploadItem[] = [];
    for (const key of keys) {
      const raw = await this.kv.getItem(key);
      if (!raw) continue;
      try {
        items.push(JSON.parse(raw) as UploadItem);
      } catch {
        // A torn write cannot happen with one setItem per key; a corrupt value is kept for inspection, not dropped.
      }
    }
    return items.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }

  save(item: UploadItem): Promise<void> {
    return this.kv.setItem(this.prefix + item.id, JSON.stringify(item));
  }

  remove(id: string): Promise<void> {
    return this.kv.removeItem(this.prefix + id);
  }
}
