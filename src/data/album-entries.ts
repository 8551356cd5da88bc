import { QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamoReads } from '../aws/dynamodb.js';
import { batchGet, transact, type AlbumRecord, type AlbumsRepository, type TransactItem } from './albums.js';
import { conditionalWrite } from './conditional-write.js';
import { keys } from './keys.js';
import { VIEW_FIELDS } from './photo-view.js';
import type { PhotoStatus, PhotoView } from './photos.js';

/** Who put a photo in an album: a user (owner or contributor), or a guest through a collect link. */
export interface AddedBy {
  userId?: string;
  name: string;
  guest: boolean;
}

/** A photo in an album (`ALBUM#<id>` / `PHOTO#<photoOwnerId>#<photoId>`, GSI1 the album's timeline). */
export interface AlbumEntry {
  albumId: string;
  photoOwnerId: string;
  photoId: string;
  addedAt: string;
  addedBy: AddedBy;
}

/** A guest's photo waiting to be ready before it joins an album (photo record `pendingAlbums.<albumId>`). */
export interface PendingAlbum {
  name: string;
  linkId: string;
  addedAt: string;
}

/** What adding to or leaving albums reads of a photo record. */
export interface PhotoAlbumState {
  userId: string;
  photoId: string;
  status: PhotoStatus;
  trashedAt?: string;
  takenAt?: string;
  takenAtUtc?: string;
  uploadedAt: string;
  albumIds?: Set<string>;
  pendingAlbums?: Record<string, PendingAlbum>;
}

export type PhotoRef = { photoOwnerId: string; photoId: string };
export type AddOutcome = 'added' | 'already' | 'photoChanged';
export type RemoveOutcome = 'removed' | 'absent' | 'photoChanged';

type Item = Record<string, unknown>;
const STATE_FIELDS = ['userId', 'photoId', 'status', 'trashedAt', 'takenAt', 'takenAtUtc', 'uploadedAt', 'albumIds', 'pendingAlbums'];
const projectionOf = (fields: readonly string[]) => ({
  ProjectionExpression: fields.map((_, i) => `#f${i}`).join(', '),
  ExpressionAttributeNames: Object.fromEntries(fields.map((field, i) => [`#f${i}`, field])),
});
/** A listing's view of a photo plus its owner (a page mixes owners). */
const VIEW_WITH_OWNER = projectionOf([...VIEW_FIELDS, 'userId']);
/** Per transaction: two items per photo plus the album and a membership check stay under DynamoDB's 100. */
const CHUNK = 48;
const refKey = (ref: { photoOwnerId: string; photoId: string }) => `${ref.photoOwnerId}/${ref.photoId}`;

function stripEntry(item: Item): AlbumEntry {
  return { albumId: item.albumId as string, photoOwnerId: item.photoOwnerId as string, photoId: item.photoId as string, addedAt: item.addedAt as string, addedBy: item.addedBy as AddedBy };
}

/**
 * The photos of albums: entries (keyed by photo owner then photo), the album's photo count and the
 * photo record's `albumIds` set change together in one transaction, so an entry exists exactly when
 * its photo's `albumIds` names the album, and `photoCount` is the number of entries.
 */
export class AlbumEntriesRepository {
  constructor(
    private readonly dynamo: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly albums: AlbumsRepository,
  ) {}

  /** The photos' album state (consistent), for the ids that exist. */
  async photoStates(userId: string, photoIds: string[]): Promise<Map<string, PhotoAlbumState>> {
    const items = await batchGet(this.dynamo, this.table, [...new Set(photoIds)].map((id) => keys.photo(userId, id)), { consistent: true, projection: projectionOf(STATE_FIELDS) });
    return new Map(items.map((item) => [item.photoId as string, item as unknown as PhotoAlbumState]));
  }

  /** Listings: photos of several owners as the API shows them, keyed `owner/photoId`. */
  async photoViews(refs: PhotoRef[]): Promise<Map<string, PhotoView & { userId: string }>> {
    const items = await batchGet(this.dynamo, this.table, refs.map((ref) => keys.photo(ref.photoOwnerId, ref.photoId)), { projection: VIEW_WITH_OWNER });
    return new Map(items.map((item) => [`${item.userId as string}/${item.photoId as string}`, item as unknown as PhotoView & { userId: string }]));
  }

  /** Existing entries among `refs` (consistent), keyed `owner/photoId`. */
  async getEntries(albumId: string, refs: PhotoRef[]): Promise<Map<string, AlbumEntry>> {
    const items = await batchGet(this.dynamo, this.table, refs.map((ref) => keys.albumEntry(albumId, ref.photoOwnerId, ref.photoId)), { consistent: true });
    return new Map(items.map((item) => [refKey(item as PhotoRef), stripEntry(item)]));
  }

  /** A page of the album's timeline (GSI1), newest taken first. */
  async timelinePage(albumId: string, limit: number, startKey?: Item): Promise<{ entries: (AlbumEntry & { takenKey: string })[]; lastKey?: Item }> {
    const { items, lastKey } = await dynamoReads(this.dynamo).query({
      TableName: this.table,
      IndexName: 'GSI1',
      KeyConditionExpression: 'GSI1PK = :pk',
      ExpressionAttributeValues: { ':pk': keys.albumTimeline(albumId, '', '').GSI1PK },
      ScanIndexForward: false,
      Limit: limit,
      ExclusiveStartKey: startKey,
    });
    return { entries: items.map((item) => ({ ...stripEntry(item), takenKey: item.GSI1SK as string })), lastKey };
  }

  /** Every entry of one photo owner in the album (or of everyone), page by page. */
  async *entriesOf(albumId: string, photoOwnerId?: string): AsyncGenerator<PhotoRef[]> {
    let startKey: Item | undefined;
    do {
      const result = await this.dynamo.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
          ExpressionAttributeValues: { ':pk': keys.album(albumId).PK, ':prefix': keys.albumEntryPrefix(photoOwnerId) },
          ProjectionExpression: 'photoOwnerId, photoId',
          ConsistentRead: true,
          Limit: 200,
          ExclusiveStartKey: startKey,
        }),
      );
      yield (result.Items ?? []) as PhotoRef[];
      startKey = result.LastEvaluatedKey;
    } while (startKey);
  }

  /**
   * Puts ready photos (not in the trash) into the album: entry, the photo's `albumIds` and the count,
   * in transactions of up to 48 photos. `contributor`: the membership must still hold that role at
   * the write. `fromPending`: the photo's `pendingAlbums.<albumId>` is consumed by the same write.
   * 'albumGone' / 'notContributor' when the album or the role went meanwhile (nothing more is added).
   */
  async add(
    albumId: string,
    photos: { photo: PhotoAlbumState; entry: AlbumEntry }[],
    updatedAt: string,
    options: { contributor?: string; fromPending?: boolean } = {},
  ): Promise<Map<string, AddOutcome> | 'albumGone' | 'notContributor'> {
    const outcomes = new Map<string, AddOutcome>();
    for (let i = 0; i < photos.length; i += CHUNK) {
      let pending = photos.slice(i, i + CHUNK);
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt >= 8) throw new Error('album entries kept changing while being added');
        const head: TransactItem[] = [
          {
            Update: {
              TableName: this.table,
              Key: keys.album(albumId),
              UpdateExpression: 'ADD photoCount :n SET updatedAt = :now',
              ConditionExpression: 'attribute_exists(PK)',
              ExpressionAttributeValues: { ':n': pending.length, ':now': updatedAt },
            },
          },
        ];
        if (options.contributor) {
          head.push({
            ConditionCheck: {
              TableName: this.table,
              Key: keys.albumMember(albumId, options.contributor),
              ConditionExpression: '#role = :contributor',
              ExpressionAttributeNames: { '#role': 'role' },
              ExpressionAttributeValues: { ':contributor': 'contributor' },
            },
          });
        }
        const items = [...head, ...pending.flatMap(({ photo, entry }) => this.addItems(albumId, photo, entry, options.fromPending === true))];
        const outcome = await transact(this.dynamo, items);
        if (outcome.ok) {
          for (const { photo } of pending) outcomes.set(photo.photoId, 'added');
          break;
        }
        if (outcome.failed.has(0)) return 'albumGone';
        if (options.contributor && outcome.failed.has(1)) return 'notContributor';
        pending = pending.filter(({ photo }, k) => {
          const at = head.length + 2 * k;
          if (outcome.failed.has(at)) outcomes.set(photo.photoId, 'already');
          else if (outcome.failed.has(at + 1)) outcomes.set(photo.photoId, 'photoChanged');
          else return true;
          return false;
        });
      }
    }
    return outcomes;
  }

  private addItems(albumId: string, photo: PhotoAlbumState, entry: AlbumEntry, fromPending: boolean): TransactItem[] {
    const takenAtUtc = photo.takenAtUtc ?? photo.takenAt ?? photo.uploadedAt;
    return [
      {
        Put: {
          TableName: this.table,
          Item: { ...keys.albumEntry(albumId, photo.userId, photo.photoId), ...keys.albumTimeline(albumId, takenAtUtc, photo.photoId), ...entry },
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      },
      {
        Update: {
          TableName: this.table,
          Key: keys.photo(photo.userId, photo.photoId),
          UpdateExpression: `ADD albumIds :album${fromPending ? ' REMOVE pendingAlbums.#album' : ''}`,
          // Only a ready photo outside the trash joins: a purge pins the trash entry it read, so the
          // album ids it read are all there are.
          ConditionExpression: `attribute_exists(PK) AND #status = :ready AND attribute_not_exists(trashedAt)${fromPending ? ' AND attribute_exists(pendingAlbums.#album)' : ''}`,
          ExpressionAttributeNames: { '#status': 'status', ...(fromPending ? { '#album': albumId } : {}) },
          ExpressionAttributeValues: { ':album': new Set([albumId]), ':ready': 'ready' },
        },
      },
    ];
  }

  /**
   * Takes photos out of the album: entry, the photo's `albumIds` and the count (and the cover, when it
   * is one of them) together. A photo record that is gone only loses its entry. With `trashedAt`
   * (a purge), the photo must still be in the trash as read: otherwise 'photoChanged' and it stays.
   * An album that is gone (being cleared) has no count to keep.
   */
  async remove(albumId: string, refs: PhotoRef[], updatedAt: string, guard: { trashedAt?: string } = {}): Promise<Map<string, RemoveOutcome>> {
    const outcomes = new Map<string, RemoveOutcome>();
    let album = await this.albums.get(albumId);
    for (let i = 0; i < refs.length; i += CHUNK) {
      let pending = refs.slice(i, i + CHUNK).map((ref) => ({ ref, photoExists: true }));
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt >= 8) throw new Error('album entries kept changing while being removed');
        const head = album ? [this.countDown(album, pending.map((p) => p.ref), updatedAt)] : [];
        const items = [...head, ...pending.flatMap(({ ref, photoExists }) => this.removeItems(albumId, ref, photoExists, guard.trashedAt))];
        const outcome = await transact(this.dynamo, items);
        if (outcome.ok) {
          for (const { ref } of pending) outcomes.set(refKey(ref), 'removed');
          // The next chunk's condition pins the cover as it is now.
          if (album && pending.some(({ ref }) => ref.photoId === album!.coverPhotoId && ref.photoOwnerId === album!.coverOwnerId)) {
            album = { ...album, coverPhotoId: undefined, coverOwnerId: undefined };
          }
          break;
        }
        if (head.length > 0 && outcome.failed.has(0)) {
          // The cover changed or the album went: decide again on what it is now.
          album = await this.albums.get(albumId);
          continue;
        }
        let at = head.length;
        const next: typeof pending = [];
        for (const item of pending) {
          const entryFailed = outcome.failed.has(at);
          const photoFailed = item.photoExists && outcome.failed.has(at + 1);
          at += item.photoExists ? 2 : 1;
          if (entryFailed) outcomes.set(refKey(item.ref), 'absent');
          else if (photoFailed && guard.trashedAt !== undefined) outcomes.set(refKey(item.ref), 'photoChanged');
          else next.push(photoFailed ? { ref: item.ref, photoExists: false } : item);
        }
        pending = next;
      }
    }
    return outcomes;
  }

  private countDown(album: AlbumRecord, refs: PhotoRef[], updatedAt: string): TransactItem {
    const coverLeaves = album.coverPhotoId !== undefined && refs.some((ref) => ref.photoId === album.coverPhotoId && ref.photoOwnerId === album.coverOwnerId);
    return {
      Update: {
        TableName: this.table,
        Key: keys.album(album.albumId),
        UpdateExpression: `ADD photoCount :n SET updatedAt = :now${coverLeaves ? ' REMOVE coverPhotoId, coverOwnerId' : ''}`,
        // Pinned to the cover read: a cover set meanwhile to one of these photos is seen and cleared.
        ConditionExpression:
          album.coverPhotoId !== undefined ? 'attribute_exists(PK) AND coverPhotoId = :cover AND coverOwnerId = :coverOwner' : 'attribute_exists(PK) AND attribute_not_exists(coverPhotoId)',
        ExpressionAttributeValues: {
          ':n': -refs.length,
          ':now': updatedAt,
          ...(album.coverPhotoId !== undefined ? { ':cover': album.coverPhotoId, ':coverOwner': album.coverOwnerId ?? '' } : {}),
        },
      },
    };
  }

  private removeItems(albumId: string, ref: PhotoRef, photoExists: boolean, trashedAt: string | undefined): TransactItem[] {
    const entry: TransactItem = { Delete: { TableName: this.table, Key: keys.albumEntry(albumId, ref.photoOwnerId, ref.photoId), ConditionExpression: 'attribute_exists(PK)' } };
    if (!photoExists) return [entry];
    return [
      entry,
      {
        Update: {
          TableName: this.table,
          Key: keys.photo(ref.photoOwnerId, ref.photoId),
          UpdateExpression: 'DELETE albumIds :album',
          ConditionExpression: trashedAt === undefined ? 'attribute_exists(PK)' : 'attribute_exists(PK) AND trashedAt = :trashedAt',
          ExpressionAttributeValues: { ':album': new Set([albumId]), ...(trashedAt === undefined ? {} : { ':trashedAt': trashedAt }) },
        },
      },
    ];
  }

  /**
   * Records a guest's photo that is not ready yet as bound for the album (placed when it turns
   * ready). False when the photo is no longer uploading or processing (the caller looks again).
   */
  async recordPending(userId: string, photoId: string, albumId: string, pending: PendingAlbum): Promise<boolean> {
    const notReady = '#status IN (:uploading, :processing)';
    const values = { ':uploading': 'uploading', ':processing': 'processing' };
    // A nested SET needs the map to exist; the first guest photo for any album creates it.
    if (
      await conditionalWrite(
        this.dynamo,
        new UpdateCommand({
          TableName: this.table,
          Key: keys.photo(userId, photoId),
          UpdateExpression: 'SET pendingAlbums.#album = :pending',
          ConditionExpression: `attribute_exists(pendingAlbums) AND ${notReady}`,
          ExpressionAttributeNames: { '#album': albumId, '#status': 'status' },
          ExpressionAttributeValues: { ':pending': pending, ...values },
        }),
      )
    ) {
      return true;
    }
    return conditionalWrite(
      this.dynamo,
      new UpdateCommand({
        TableName: this.table,
        Key: keys.photo(userId, photoId),
        UpdateExpression: 'SET pendingAlbums = :map',
        ConditionExpression: `attribute_exists(PK) AND attribute_not_exists(pendingAlbums) AND ${notReady}`,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':map': { [albumId]: pending }, ...values },
      }),
    );
  }

  /** Forgets a pending placement (album gone, or the photo is in it already). */
  async dropPending(userId: string, photoId: string, albumId: string): Promise<void> {
    await conditionalWrite(
      this.dynamo,
      new UpdateCommand({
        TableName: this.table,
        Key: keys.photo(userId, photoId),
        UpdateExpression: 'REMOVE pendingAlbums.#album',
        ConditionExpression: 'attribute_exists(pendingAlbums.#album)',
        ExpressionAttributeNames: { '#album': albumId },
      }),
    );
  }
}
