import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { conditionalWrite } from './conditional-write.js';
import { dueItems } from './due-entries.js';
import { keys } from './keys.js';

/** The album item (`ALBUM#<id>` / `ALBUM`). */
export interface AlbumRecord {
  albumId: string;
  ownerId: string;
  /** The owner's profile name when the album was created (shown to members and link holders). */
  ownerName?: string;
  name: string;
  /** The cover: a photo in the album, named with its owner (the entry's key needs both). */
  coverPhotoId?: string;
  coverOwnerId?: string;
  /** Entries in the album, trashed photos included (they come back on restore). */
  photoCount: number;
  createdAt: string;
  updatedAt: string;
}

/** A deleted album still to clear (keys.albumDeletion): the clear-album job's durable to-do. */
export interface AlbumDeletion {
  albumId: string;
  ownerId: string;
  requestedAt: string;
  /** When the sweep hands the clearing out (again) unless it finished (GSI2 `DUE#ALBUM`). */
  dueAt: string;
}

type Item = Record<string, unknown>;
export type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

/** Outcome of a transaction: which items' conditions failed (by index), or a conflict worth retrying. */
export type TransactOutcome = { ok: true } | { ok: false; failed: Set<number> };

/** Sends a transaction; a cancellation by conditions names the failing items, a conflict is retried a few times. */
export async function transact(dynamo: DynamoDBDocumentClient, items: TransactItem[]): Promise<TransactOutcome> {
  for (let attempt = 0; ; attempt++) {
    try {
      await dynamo.send(new TransactWriteCommand({ TransactItems: items }));
      return { ok: true };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      const failed = new Set(reasons.flatMap((reason, i) => (reason.Code === 'ConditionalCheckFailed' ? [i] : [])));
      if (failed.size > 0) return { ok: false, failed };
      // Only conflicts (another transaction on one of the items): try again shortly.
      if (attempt >= 4) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt + Math.random() * 20));
    }
  }
}

/** BatchGetItem of any number of keys (100 per call, unprocessed keys retried). */
export async function batchGet(dynamo: DynamoDBDocumentClient, table: string, all: Item[], options: { consistent?: boolean; projection?: { ProjectionExpression: string; ExpressionAttributeNames: Record<string, string> } } = {}): Promise<Item[]> {
  const found: Item[] = [];
  const chunks: Item[][] = [];
  for (let i = 0; i < all.length; i += 100) chunks.push(all.slice(i, i + 100));
  await Promise.all(
    chunks.map(async (chunk) => {
      let pending = chunk;
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** Math.min(attempt, 6)));
        const answer = await dynamo.send(new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: options.consistent ?? false, ...options.projection } } }));
        found.push(...(answer.Responses?.[table] ?? []));
        pending = (answer.UnprocessedKeys?.[table]?.Keys as Item[] | undefined) ?? [];
      }
    }),
  );
  return found;
}

function stripAlbum(item: Item): AlbumRecord {
  const { PK: _pk, SK: _sk, ...album } = item;
  return album as unknown as AlbumRecord;
}

/**
 * Albums (docs/data-model.md, "Album and album entries"): the album item, the owner's index of their
 * albums and the deletion marker. The photos in an album are in album-entries.ts.
 */
export class AlbumsRepository {
  constructor(
    private readonly dynamo: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** The album and its owner-index item, together. */
  async create(album: AlbumRecord): Promise<void> {
    const outcome = await transact(this.dynamo, [
      { Put: { TableName: this.table, Item: { ...keys.album(album.albumId), ...album }, ConditionExpression: 'attribute_not_exists(PK)' } },
      { Put: { TableName: this.table, Item: { ...keys.ownedAlbum(album.ownerId, album.albumId), albumId: album.albumId } } },
    ]);
    if (!outcome.ok) throw new Error('album id taken');
  }

  async get(albumId: string): Promise<AlbumRecord | undefined> {
    const { Item } = await this.dynamo.send(new GetCommand({ TableName: this.table, Key: keys.album(albumId), ConsistentRead: true }));
    return Item ? stripAlbum(Item) : undefined;
  }

  /** Albums by id (those that exist). */
  async getMany(albumIds: string[], consistent = false): Promise<Map<string, AlbumRecord>> {
    const items = await batchGet(this.dynamo, this.table, [...new Set(albumIds)].map((id) => keys.album(id)), { consistent });
    return new Map(items.map((item) => [item.albumId as string, stripAlbum(item)]));
  }

  /** A page of the owner's album ids, newest first (album ids sort by creation). */
  async listOwned(ownerId: string, limit: number, startKey?: Item, consistent = false): Promise<{ albumIds: string[]; lastKey?: Item }> {
    const result = await this.dynamo.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.profile(ownerId).PK, ':prefix': keys.ownedAlbumPrefix },
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: startKey,
        ConsistentRead: consistent,
      }),
    );
    return { albumIds: (result.Items ?? []).map((item) => item.albumId as string), lastKey: result.LastEvaluatedKey };
  }

  /**
   * Renames and/or sets the cover. A new cover must be an entry of the album at the moment of the
   * write (a condition check in the same transaction); `null` clears it. False when the album is gone.
   */
  async update(albumId: string, change: { name?: string; cover?: { photoId: string; ownerId: string } | null }, updatedAt: string): Promise<'updated' | 'albumGone' | 'coverGone'> {
    const sets = ['updatedAt = :now'];
    const removes: string[] = [];
    const values: Item = { ':now': updatedAt };
    if (change.name !== undefined) {
      sets.push('#name = :name');
      values[':name'] = change.name;
    }
    if (change.cover === null) removes.push('coverPhotoId', 'coverOwnerId');
    else if (change.cover) {
      sets.push('coverPhotoId = :cover', 'coverOwnerId = :coverOwner');
      Object.assign(values, { ':cover': change.cover.photoId, ':coverOwner': change.cover.ownerId });
    }
    const update: TransactItem = {
      Update: {
        TableName: this.table,
        Key: keys.album(albumId),
        UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
        ConditionExpression: 'attribute_exists(PK)',
        ...(change.name !== undefined ? { ExpressionAttributeNames: { '#name': 'name' } } : {}),
        ExpressionAttributeValues: values,
      },
    };
    const check: TransactItem[] = change.cover
      ? [{ ConditionCheck: { TableName: this.table, Key: keys.albumEntry(albumId, change.cover.ownerId, change.cover.photoId), ConditionExpression: 'attribute_exists(PK)' } }]
      : [];
    const outcome = await transact(this.dynamo, [update, ...check]);
    if (outcome.ok) return 'updated';
    return outcome.failed.has(0) ? 'albumGone' : 'coverGone';
  }

  /**
   * Deletes the album for every caller at once (album and owner-index items) and leaves the marker
   * that makes the rest of its partition go, in one transaction. False when it was gone already.
   */
  async delete(album: Pick<AlbumRecord, 'albumId' | 'ownerId'>, requestedAt: string, dueAt: string): Promise<boolean> {
    const marker: AlbumDeletion = { albumId: album.albumId, ownerId: album.ownerId, requestedAt, dueAt };
    const outcome = await transact(this.dynamo, [
      { Delete: { TableName: this.table, Key: keys.album(album.albumId), ConditionExpression: 'attribute_exists(PK)' } },
      { Delete: { TableName: this.table, Key: keys.ownedAlbum(album.ownerId, album.albumId) } },
      { Put: { TableName: this.table, Item: { ...keys.albumDeletion(album.albumId), ...keys.albumDue(dueAt, album.albumId), ...marker } } },
    ]);
    return outcome.ok;
  }

  async getDeletion(albumId: string): Promise<AlbumDeletion | undefined> {
    const { Item } = await this.dynamo.send(new GetCommand({ TableName: this.table, Key: keys.albumDeletion(albumId), ConsistentRead: true }));
    if (!Item) return undefined;
    const { PK: _pk, SK: _sk, GSI2PK: _g2, GSI2SK: _g2s, ...deletion } = Item;
    return deletion as unknown as AlbumDeletion;
  }

  /** Clearings due before `before`, oldest first. */
  async listDueDeletions(before: string, limit: number): Promise<AlbumDeletion[]> {
    const items = await dueItems(this.dynamo, this.table, keys.albumDue('', '').GSI2PK, before, limit);
    return items.map((item) => ({ albumId: item.albumId, ownerId: item.ownerId, requestedAt: item.requestedAt, dueAt: item.dueAt }) as AlbumDeletion);
  }

  /** A job (or the sweep) takes the clearing until `dueAt`; false when someone else did first. */
  async leaseDeletion(seen: AlbumDeletion, dueAt: string): Promise<boolean> {
    return conditionalWrite(
      this.dynamo,
      new UpdateCommand({
        TableName: this.table,
        Key: keys.albumDeletion(seen.albumId),
        UpdateExpression: 'SET dueAt = :due, GSI2SK = :g2s',
        ConditionExpression: 'dueAt = :seen',
        ExpressionAttributeValues: { ':due': dueAt, ':g2s': keys.albumDue(dueAt, seen.albumId).GSI2SK, ':seen': seen.dueAt },
      }),
    );
  }

  async finishDeletion(albumId: string): Promise<void> {
    await this.dynamo.send(new DeleteCommand({ TableName: this.table, Key: keys.albumDeletion(albumId) }));
  }

  /** A page of everything left in an album's partition (keys and what clearing needs), marker included. */
  async partitionPage(albumId: string, limit: number): Promise<Item[]> {
    const result = await this.dynamo.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': keys.album(albumId).PK },
        ProjectionExpression: 'PK, SK, photoOwnerId, photoId',
        ConsistentRead: true,
        Limit: limit,
      }),
    );
    return result.Items ?? [];
  }

  /** Deletes items by key (members and their reverse items, links), 25 per call. */
  async deleteKeys(all: Item[]): Promise<void> {
    for (let i = 0; i < all.length; i += 25) {
      let pending: Item[] = all.slice(i, i + 25).map((key) => ({ DeleteRequest: { Key: key } }));
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** Math.min(attempt, 6)));
        const answer = await this.dynamo.send(new BatchWriteCommand({ RequestItems: { [this.table]: pending } }));
        pending = (answer.UnprocessedItems?.[this.table] as Item[] | undefined) ?? [];
      }
    }
  }

  /** Up to 100 of the user's own album ids, as they are now (account deletion: whatever is left). */
  async ownedIds(ownerId: string): Promise<string[]> {
    return (await this.listOwned(ownerId, 100, undefined, true)).albumIds;
  }

  /** The user ids of the album's members (members may have added photos; members.ts owns these items). */
  async memberIds(albumId: string): Promise<string[]> {
    const ids: string[] = [];
    let startKey: Item | undefined;
    do {
      const result = await this.dynamo.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
          ExpressionAttributeValues: { ':pk': keys.album(albumId).PK, ':prefix': keys.albumMemberPrefix },
          ProjectionExpression: 'SK',
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      ids.push(...(result.Items ?? []).map((item) => (item.SK as string).slice(keys.albumMemberPrefix.length)));
      startKey = result.LastEvaluatedKey;
    } while (startKey);
    return ids;
  }
}
