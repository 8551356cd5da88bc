import type { FastifyBaseLogger } from 'fastify';
import { keys } from '../data/keys.js';
import type { PhotoRecord, PhotosRepository, PhotoView } from '../data/photos.js';
import { HttpProblem } from '../lib/problem.js';
import type { PhotoJson, PhotoPageJson } from '../schemas/photos.js';
import { CursorCodec, type CursorKey } from './cursor.js';
import type { PhotoDeletion } from './photo-deletion.js';
import { urlWindowStart, type PhotoUrlSigner, type UrlScope } from './url-signer.js';

export const TRASH_DAYS = 30;
const DAY_MS = 24 * 3600 * 1000;
const PURGE_PAGE = 100;

export interface LibraryDeps {
  photos: PhotosRepository;
  deletion: PhotoDeletion;
  signer: PhotoUrlSigner;
  /** HMAC key of the listing cursors (at least 32 characters). */
  cursorSecret: string;
  now?: () => Date;
  log?: FastifyBaseLogger;
}

type Listing = 'timeline' | 'trash';

const notFound = () => new HttpProblem('notFound', 'No such photo');
const badCursor = () =>
  new HttpProblem('validation', 'querystring.cursor: is not a cursor this listing issued to you', {
    errors: [{ path: 'querystring.cursor', message: 'is not a cursor this listing issued to you' }],
  });

/**
 * The library: timeline, single photos, trash (30 days, then purged) and emptying it (run by the
 * jobs in library-jobs.ts). Listings are keyset-paginated on GSI1 with HMAC-signed cursors bound to
 * the user and the listing. Deleting goes through PhotoDeletion (record, usage and tombstone first).
 */
export class LibraryService {
  private readonly now: () => Date;
  private readonly cursors: CursorCodec;

  constructor(private readonly deps: LibraryDeps) {
    this.now = deps.now ?? (() => new Date());
    this.cursors = new CursorCodec(deps.cursorSecret);
  }

  /** Ready photos outside the trash, newest taken first. */
  async timeline(userId: string, limit: number, cursor?: string): Promise<PhotoPageJson> {
    return this.list('timeline', userId, limit, cursor);
  }

  /** Trashed photos, newest trashed first. */
  async trashList(userId: string, limit: number, cursor?: string): Promise<PhotoPageJson> {
    return this.list('trash', userId, limit, cursor);
  }

  /** Any photo of the user (another user's or an unknown id: 404). */
  async get(userId: string, photoId: string): Promise<PhotoJson> {
    const photo = await this.deps.photos.get(userId, photoId);
    if (!photo) throw notFound();
    return this.toJson(photo);
  }

  /**
   * Moves a photo to the trash (purged after 30 days). Idempotent. A photo still uploading is
   * cancelled instead (record, object and reserved bytes go now); a rejected one is left to expire.
   */
  async trash(userId: string, photoId: string): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const photo = await this.deps.photos.get(userId, photoId);
      if (!photo) throw notFound();
      if (photo.trashedAt || photo.status === 'rejected') return;
      if (photo.status === 'uploading') {
        if (await this.discardUpload(photo)) return;
        continue;
      }
      const now = this.now();
      if (await this.deps.photos.trash(photo, now.toISOString(), new Date(now.getTime() + TRASH_DAYS * DAY_MS).toISOString())) return;
    }
    throw new HttpProblem('conflict', 'The photo changed while it was being deleted; try again');
  }

  /**
   * Takes a photo out of the trash; a photo not in the trash is returned as it is. The restore is
   * pinned to the state read (a photo that became ready meanwhile must go back to the timeline).
   */
  async restore(userId: string, photoId: string): Promise<PhotoJson> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const photo = await this.deps.photos.get(userId, photoId);
      if (!photo) throw notFound();
      if (!photo.trashedAt) return this.toJson(photo);
      if (await this.deps.photos.restore(photo)) {
        const fresh = await this.deps.photos.get(userId, photoId);
        if (!fresh) throw notFound();
        return this.toJson(fresh);
      }
    }
    throw new HttpProblem('conflict', 'The photo changed while it was being restored; try again');
  }

  /**
   * Purges the user's photos trashed at or before `before` (what was in the trash when emptying was
   * asked for): records, bytes in usage, objects. Stops early, returning `done: false`, when
   * `stopAt` passes (the job goes on in a next run); an aborted `signal` stops it between photos.
   */
  async emptyTrash(userId: string, before: string, stopAt = Number.POSITIVE_INFINITY, signal?: AbortSignal): Promise<{ purged: number; done: boolean }> {
    let purged = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.deps.photos.listTrash(userId, PURGE_PAGE, startKey);
      for (const photo of page.photos) {
        signal?.throwIfAborted();
        if (this.now().getTime() >= stopAt) return { purged, done: false };
        if (photo.trashedAt && photo.trashedAt <= before && (await this.purgeTrashed(photo))) purged++;
      }
      startKey = page.lastKey;
    } while (startKey);
    return { purged, done: true };
  }

  /**
   * Deletes one trashed photo as it was read: the record with its usage and a tombstone, then its
   * objects. False when it was restored, trashed anew or purged by someone else meanwhile.
   */
  async purgeTrashed(photo: PhotoRecord): Promise<boolean> {
    return this.deps.deletion.deletePhoto(photo, 'trashed');
  }

  /**
   * Drops a photo whose upload never completed: the record (pinned to `uploading` and the URL
   * expiry read, so a completion or fresh URLs win) with its reserved bytes, then the multipart
   * upload and the object; the tombstone deletes the key again once the URL can no longer write.
   */
  async discardUpload(photo: PhotoRecord): Promise<boolean> {
    return this.deps.deletion.deletePhoto(photo, 'uploading');
  }

  /**
   * The contract's Photo, with URLs signed for the current 10-minute window. Synchronous when the
   * signer already holds the URLs (the common case: a page asks for 180 of them), so a listing does
   * not pay a promise per URL. `scope` is `object` for anyone but the photo's owner (album members,
   * link holders: docs/sharing.md).
   */
  toJson(photo: PhotoView, scope: UrlScope = 'owner'): PhotoJson | Promise<PhotoJson> {
    const window = urlWindowStart(this.now());
    // Bytes that were never checked against the declared SHA-256 (uploading, processing) or failed it
    // (rejected) are never handed out: an upload URL must not become a way to share arbitrary files.
    // The original downloads under its own name (Content-Disposition, signed into the URL and cached with it).
    const original = photo.status === 'ready' ? this.deps.signer.signGet(photo.s3Key, window, photo.filename, scope) : undefined;
    const thumbnail = photo.derivatives ? this.deps.signer.signGet(photo.derivatives.thumbnail, window, undefined, scope) : undefined;
    const preview = photo.derivatives ? this.deps.signer.signGet(photo.derivatives.preview, window, undefined, scope) : undefined;
    if (typeof original === 'object' || typeof thumbnail === 'object' || typeof preview === 'object') {
      return Promise.all([original, thumbnail, preview]).then(([o, t, p]) => photoJson(photo, o, t, p));
    }
    return photoJson(photo, original, thumbnail, preview);
  }

  /** The thumbnail's URL alone (an album's cover), or undefined while there is none. */
  thumbnailUrl(photo: PhotoView, scope: UrlScope = 'owner'): string | Promise<string> | undefined {
    return photo.derivatives ? this.deps.signer.signGet(photo.derivatives.thumbnail, urlWindowStart(this.now()), undefined, scope) : undefined;
  }

  private async list(listing: Listing, userId: string, limit: number, cursor: string | undefined): Promise<PhotoPageJson> {
    const startKey = cursor === undefined ? undefined : this.startKey(listing, userId, cursor);
    // One more than asked: when it comes back there is a next page, and the last page has no cursor.
    const { photos, lastKey } = await this.deps.photos.listView(listing === 'timeline' ? 'TIMELINE' : 'TRASH', userId, limit + 1, startKey);
    const page = photos.slice(0, limit);
    const more = photos.length > limit || (lastKey !== undefined && page.length > 0);
    const last = page.at(-1);
    const nextCursor = more && last ? this.cursors.encode(listing, userId, this.keyOf(listing, userId, last)) : null;
    // The index should hold only what belongs (ready and untrashed / trashed); a record caught
    // mid-race in the wrong one is left out rather than shown twice. The cursor still follows the index.
    const items = page.filter((p) => (listing === 'timeline' ? p.status === 'ready' && !p.trashedAt : p.trashedAt !== undefined));
    const json = items.map((p) => this.toJson(p));
    return { items: json.some((j) => j instanceof Promise) ? await Promise.all(json) : (json as PhotoJson[]), nextCursor };
  }

  /** The item's key in the listing's index: what DynamoDB's LastEvaluatedKey would be. */
  private keyOf(listing: Listing, userId: string, photo: PhotoView): CursorKey {
    const index =
      listing === 'timeline'
        ? keys.timeline(userId, photo.takenAtUtc ?? photo.takenAt ?? photo.uploadedAt, photo.photoId)
        : keys.trash(userId, photo.trashedAt ?? '', photo.photoId);
    return { ...keys.photo(userId, photo.photoId), ...index };
  }

  private startKey(listing: Listing, userId: string, cursor: string): CursorKey {
    const key = this.cursors.decode(listing, userId, cursor);
    if (!key) throw badCursor();
    // The MAC binds user and listing already; the shape check keeps a leaked secret from opening other partitions.
    const partition = listing === 'timeline' ? keys.timeline(userId, '', '').GSI1PK : keys.trash(userId, '', '').GSI1PK;
    const names = Object.keys(key).sort().join(',');
    if (
      names !== 'GSI1PK,GSI1SK,PK,SK' ||
      key.PK !== keys.profile(userId).PK ||
      !key.SK!.startsWith('PHOTO#') ||
      key.GSI1PK !== partition
    ) {
      throw badCursor();
    }
    return key;
  }
}

/** The record as the contract shows it, with its signed URLs. */
function photoJson(photo: PhotoView, original?: string, thumbnail?: string, preview?: string): PhotoJson {
  return {
    id: photo.photoId,
    status: photo.status,
    filename: photo.filename,
    contentType: photo.contentType,
    size: photo.size,
    sha256: photo.sha256,
    ...(photo.width !== undefined ? { width: photo.width } : {}),
    ...(photo.height !== undefined ? { height: photo.height } : {}),
    takenAt: photo.takenAt ?? photo.uploadedAt,
    uploadedAt: photo.uploadedAt,
    ...(photo.exif !== undefined ? { exif: photo.exif } : {}),
    ...(photo.location !== undefined ? { location: photo.location } : {}),
    ...(photo.thumbhash !== undefined ? { thumbhash: photo.thumbhash } : {}),
    ...(photo.trashedAt !== undefined ? { trashedAt: photo.trashedAt } : {}),
    urls: { ...(thumbnail ? { thumbnail } : {}), ...(preview ? { preview } : {}), ...(original ? { original } : {}) },
  };
}
