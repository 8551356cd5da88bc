import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AlbumEntriesRepository } from './album-entries.js';
import { AlbumsRepository } from './albums.js';
import { conditionalWrite } from './conditional-write.js';
import { dueItems } from './due-entries.js';
import { keys } from './keys.js';

/**
 * The objects of a photo whose record is gone (or rejected) still have to go. Written in the same
 * transaction that deletes (or rejects) the record, so a crash before the objects are deleted leaves
 * this to-do behind instead of orphans. It lives until `urlDeadAt`: until then a presigned PUT handed
 * out for the photo may still write the original again, so the sweep deletes once more after it.
 */
export interface Tombstone {
  userId: string;
  photoId: string;
  /** A multipart upload to abort (its part URLs die with it). */
  uploadId?: string;
  /** When no upload URL of the photo (plus the grace of a PUT in flight) can write any more. */
  urlDeadAt: string;
  /** When the sweep looks at it next (mirrored in GSI2 `DUE#OBJECTS`). */
  dueAt: string;
}

/** An account being deleted: what its job must still do, durable across crashes and lost messages. */
export interface AccountDeletion {
  userId: string;
  /** The Cognito username (the email), for deleting the Cognito user. */
  username: string;
  /** `removing`: photos, objects, Cognito user and profile; `resweep`: the user's prefix once more, late uploads included. */
  phase: 'removing' | 'resweep';
  requestedAt: string;
  /** When the sweep enqueues the job (again) unless it finished (mirrored in GSI2 `DUE#ACCOUNT`). */
  dueAt: string;
}

/**
 * How long after its URL expired a PUT may still be writing: S3 checks the expiry when a request
 * starts, and a large single PUT on a slow link takes minutes.
 */
export const UPLOAD_PUT_GRACE_MS = 10 * 60 * 1000;

/** The tombstone for a photo deleted or rejected at `now`: due at once, kept until its URL died. */
export function tombstoneFor(
  photo: { userId: string; photoId: string; uploadId?: string; uploadExpiresAt: string },
  now: Date,
  graceMs = UPLOAD_PUT_GRACE_MS,
): Tombstone {
  const urlDeadAt = new Date(Date.parse(photo.uploadExpiresAt) + graceMs).toISOString();
  return {
    userId: photo.userId,
    photoId: photo.photoId,
    ...(photo.uploadId ? { uploadId: photo.uploadId } : {}),
    urlDeadAt,
    dueAt: now.toISOString(),
  };
}

/** The tombstone item, for a transaction that removes or rejects the photo record (src/data/photos.ts). */
export function tombstoneItem(tombstone: Tombstone): Record<string, unknown> {
  return {
    ...keys.tombstone(tombstone.userId, tombstone.photoId),
    ...keys.due('OBJECTS', tombstone.dueAt, tombstone.userId, tombstone.photoId),
    ...tombstone,
  };
}

function strip<T>(item: Record<string, unknown>): T {
  const { PK: _pk, SK: _sk, GSI2PK: _g2, GSI2SK: _g2s, ...rest } = item;
  return rest as T;
}

/** The album ids a photo record holds (`albumIds`, a string set kept by src/data/album-entries.ts). */
export function albumIdsOf(photo: object): string[] {
  const ids = (photo as { albumIds?: unknown }).albumIds;
  return ids instanceof Set ? [...(ids as Set<string>)] : Array.isArray(ids) ? (ids as string[]) : [];
}

/**
 * Tombstones and account deletions: the work deleting leaves for the sweeper and the jobs; and what
 * deleting a photo does to albums (it leaves every album it is in).
 */
export class DeletionsRepository {
  readonly albums: AlbumsRepository;
  readonly albumEntries: AlbumEntriesRepository;

  constructor(
    private readonly dynamo: DynamoDBDocumentClient,
    private readonly table: string,
  ) {
    this.albums = new AlbumsRepository(dynamo, table);
    this.albumEntries = new AlbumEntriesRepository(dynamo, table, this.albums);
  }

  /**
   * Takes the photo out of every album it is in (entries, counts, covers). With `trashedAt` (a purge)
   * only while the photo is still in the trash as read: false when it was restored meanwhile. The
   * photo's record keeps the albums it has not left yet, so a crash part-way is finished by the retry.
   */
  async leaveAlbums(photo: { userId: string; photoId: string }, now: Date, trashedAt?: string): Promise<boolean> {
    const ref = { photoOwnerId: photo.userId, photoId: photo.photoId };
    for (const albumId of albumIdsOf(photo)) {
      const outcome = await this.albumEntries.remove(albumId, [ref], now.toISOString(), trashedAt === undefined ? {} : { trashedAt });
      if (outcome.get(`${ref.photoOwnerId}/${ref.photoId}`) === 'photoChanged') return false;
    }
    return true;
  }

  async getTombstone(userId: string, photoId: string): Promise<Tombstone | undefined> {
    const { Item } = await this.dynamo.send(new GetCommand({ TableName: this.table, Key: keys.tombstone(userId, photoId), ConsistentRead: true }));
    return Item ? strip<Tombstone>(Item) : undefined;
  }

  /** Tombstones due before `before`, oldest first. */
  async listDueTombstones(before: string, limit: number): Promise<Tombstone[]> {
    return (await dueItems(this.dynamo, this.table, 'DUE#OBJECTS', before, limit)).map((item) => strip<Tombstone>(item));
  }

  /** Looks again at `dueAt`; false when the tombstone changed (a newer deletion rewrote it) or went. */
  async rescheduleTombstone(seen: Tombstone, dueAt: string): Promise<boolean> {
    return this.conditional(
      new UpdateCommand({
        TableName: this.table,
        Key: keys.tombstone(seen.userId, seen.photoId),
        UpdateExpression: 'SET dueAt = :due, GSI2SK = :g2s',
        ConditionExpression: 'dueAt = :seen AND urlDeadAt = :dead',
        ExpressionAttributeValues: {
          ':due': dueAt,
          ':g2s': keys.due('OBJECTS', dueAt, seen.userId, seen.photoId).GSI2SK,
          ':seen': seen.dueAt,
          ':dead': seen.urlDeadAt,
        },
      }),
    );
  }

  /** Done; a tombstone rewritten meanwhile (a later URL) stays. */
  async deleteTombstone(seen: Tombstone): Promise<boolean> {
    return this.conditional(
      new DeleteCommand({
        TableName: this.table,
        Key: keys.tombstone(seen.userId, seen.photoId),
        ConditionExpression: 'urlDeadAt = :dead',
        ExpressionAttributeValues: { ':dead': seen.urlDeadAt },
      }),
    );
  }

  /** Records a requested account deletion; a deletion already under way is kept as it is. */
  async startAccountDeletion(deletion: AccountDeletion): Promise<boolean> {
    return this.conditional(
      new PutCommand({
        TableName: this.table,
        Item: { ...keys.accountDeletion(deletion.userId), ...keys.accountDue(deletion.dueAt, deletion.userId), ...deletion },
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    );
  }

  async getAccountDeletion(userId: string): Promise<AccountDeletion | undefined> {
    const { Item } = await this.dynamo.send(new GetCommand({ TableName: this.table, Key: keys.accountDeletion(userId), ConsistentRead: true }));
    return Item ? strip<AccountDeletion>(Item) : undefined;
  }

  async listDueAccountDeletions(before: string, limit: number): Promise<AccountDeletion[]> {
    return (await dueItems(this.dynamo, this.table, 'DUE#ACCOUNT', before, limit)).map((item) => strip<AccountDeletion>(item));
  }

  /**
   * Moves the deletion on (phase and next due time), only from the state the caller saw: of two
   * sweeps or jobs, one wins.
   */
  async advanceAccountDeletion(seen: AccountDeletion, next: Pick<AccountDeletion, 'phase' | 'dueAt'>): Promise<boolean> {
    return this.conditional(
      new UpdateCommand({
        TableName: this.table,
        Key: keys.accountDeletion(seen.userId),
        UpdateExpression: 'SET phase = :phase, dueAt = :due, GSI2SK = :g2s',
        ConditionExpression: 'phase = :seenPhase AND dueAt = :seenDue',
        ExpressionAttributeValues: {
          ':phase': next.phase,
          ':due': next.dueAt,
          ':g2s': keys.accountDue(next.dueAt, seen.userId).GSI2SK,
          ':seenPhase': seen.phase,
          ':seenDue': seen.dueAt,
        },
      }),
    );
  }

  /** The last step: nothing of the account is left to sweep. */
  async finishAccountDeletion(seen: AccountDeletion): Promise<boolean> {
    return this.conditional(
      new DeleteCommand({
        TableName: this.table,
        Key: keys.accountDeletion(seen.userId),
        ConditionExpression: 'phase = :resweep',
        ExpressionAttributeValues: { ':resweep': 'resweep' },
      }),
    );
  }

  private conditional(command: UpdateCommand | DeleteCommand | PutCommand): Promise<boolean> {
    return conditionalWrite(this.dynamo, command);
  }
}
