import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamoReads } from '../aws/dynamodb.js';
import { conditionalWrite } from './conditional-write.js';
import { dueItems } from './due-entries.js';
import { keys } from './keys.js';

/** What the owner may share an album as (docs/sharing.md). */
export type MemberRole = 'viewer' | 'contributor';

/** A member item: `ALBUM#<albumId>` / `MEMBER#<userId>`. */
export interface AlbumMember {
  albumId: string;
  userId: string;
  ownerId: string;
  role: MemberRole;
  /** When the member was added (ISO); pins the membership for conditional writes and keys its AlbumShared event. */
  addedAt: string;
  /** Set while the AlbumShared event is owed (mirrored in GSI2 `DUE#ALBUMSHARED`). */
  shareDueAt?: string;
}

/** The reverse item, `USER#<memberId>` / `SHARED#<albumId>`: an album shared with the user. */
export interface SharedAlbumEntry {
  albumId: string;
  ownerId: string;
  role: MemberRole;
  addedAt: string;
}

/** A member who left or was removed and whose photos must still leave the album. */
export interface AlbumDeparture {
  albumId: string;
  userId: string;
  removedAt: string;
  /** When the sweep enqueues the departure job (again) unless it finished (mirrored in GSI2 `DUE#DEPARTURE`). */
  dueAt: string;
}

export type AddOutcome = 'added' | 'album-gone' | 'full' | 'member-exists' | 'departure-pending';

const MEMBERS_PAGE = 100;

function strip<T>(item: Record<string, unknown>): T {
  const { PK: _pk, SK: _sk, GSI1PK: _g1, GSI1SK: _g1s, GSI2PK: _g2, GSI2SK: _g2s, ...rest } = item;
  return rest as T;
}

/** The reason codes of a cancelled transaction, by item index; undefined for any other error. */
function cancelledCodes(error: unknown): (string | undefined)[] | undefined {
  return error instanceof TransactionCanceledException ? (error.CancellationReasons ?? []).map((r) => r.Code) : undefined;
}

/**
 * Pins a membership to the one read: its `addedAt` (a later share of the same user is another
 * membership). Items written by hand without one (tests, repairs) are pinned to having none.
 */
function pinned(addedAt: string | undefined): { condition: string; values: Record<string, string> } {
  return addedAt === undefined ? { condition: 'attribute_not_exists(addedAt)', values: {} } : { condition: 'addedAt = :added', values: { ':added': addedAt } };
}

/**
 * Sends a transaction; one cancelled only by conflicts (another transaction on one of its items, such as
 * two shares of one album checking the album at once) is sent again a few times.
 */
async function transactWrite(dynamo: DynamoDBDocumentClient, command: TransactWriteCommand): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await dynamo.send(command);
      return;
    } catch (error) {
      const codes = cancelledCodes(error);
      const conflictOnly = codes !== undefined && codes.includes('TransactionConflict') && !codes.includes('ConditionalCheckFailed');
      if (!conflictOnly || attempt >= 4) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt + Math.random() * 20));
    }
  }
}

/**
 * Album members and their reverse items ("shared with me"): the member item lives in the album's
 * partition (access resolution reads it with the album), the reverse one in the member's. Both are
 * written and deleted in one transaction, so neither outlives the other.
 */
export class AlbumMembersRepository {
  constructor(
    private readonly dynamo: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** The membership as it stands (strongly consistent: a removal holds on the next request). */
  async get(albumId: string, userId: string): Promise<AlbumMember | undefined> {
    const item = await dynamoReads(this.dynamo).get({ TableName: this.table, Key: keys.albumMember(albumId, userId), ConsistentRead: true });
    return item ? strip<AlbumMember>(item) : undefined;
  }

  /** Every member of the album (a few dozen at most: paged all the same). */
  async list(albumId: string): Promise<AlbumMember[]> {
    const members: AlbumMember[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await dynamoReads(this.dynamo).query({
        TableName: this.table,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.album(albumId).PK, ':prefix': keys.albumMemberPrefix },
        ConsistentRead: true,
        Limit: MEMBERS_PAGE,
        ExclusiveStartKey: startKey,
      });
      members.push(...page.items.map((item) => strip<AlbumMember>(item)));
      startKey = page.lastKey;
    } while (startKey);
    return members;
  }

  /** The album's creation time (the owner's "added at" in the member list), undefined when it is gone. */
  async albumCreatedAt(albumId: string): Promise<string | undefined> {
    const { Item } = await this.dynamo.send(new GetCommand({ TableName: this.table, Key: keys.album(albumId), ProjectionExpression: 'createdAt' }));
    return Item ? String(Item.createdAt ?? '') : undefined;
  }

  /**
   * Adds a member: the member item (with its AlbumShared due entry) and the reverse item in one
   * transaction, with the album still existing under this owner, fewer than `maxMembers` members on
   * its `memberCount`, and no departure of the same user still pending (its job would take the new
   * member's photos out) as conditions. The count is taken in the same transaction, so two shares
   * racing for the last place cannot both have it.
   */
  async add(member: AlbumMember & { shareDueAt: string }, maxMembers: number): Promise<AddOutcome> {
    const { albumId, userId, ownerId, role, addedAt, shareDueAt } = member;
    try {
      await transactWrite(
        this.dynamo,
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.table,
                Key: keys.album(albumId),
                UpdateExpression: 'ADD memberCount :one',
                ConditionExpression: 'attribute_exists(PK) AND ownerId = :owner AND (attribute_not_exists(memberCount) OR memberCount < :max)',
                ExpressionAttributeValues: { ':owner': ownerId, ':one': 1, ':max': maxMembers },
              },
            },
            {
              Put: {
                TableName: this.table,
                Item: { ...keys.albumMember(albumId, userId), ...keys.albumSharedDue(shareDueAt, albumId, userId), albumId, userId, ownerId, role, addedAt, shareDueAt },
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
            {
              Put: {
                TableName: this.table,
                Item: { ...keys.sharedAlbum(userId, albumId), ...keys.sharedAlbumTimeline(userId, addedAt, albumId), albumId, ownerId, role, addedAt },
              },
            },
            { ConditionCheck: { TableName: this.table, Key: keys.albumDeparture(albumId, userId), ConditionExpression: 'attribute_not_exists(PK)' } },
          ],
        }),
      );
      return 'added';
    } catch (error) {
      const codes = cancelledCodes(error);
      if (codes?.[0] === 'ConditionalCheckFailed') return (await this.albumOwnedBy(albumId, ownerId)) ? 'full' : 'album-gone';
      if (codes?.[1] === 'ConditionalCheckFailed') return 'member-exists';
      if (codes?.[3] === 'ConditionalCheckFailed') return 'departure-pending';
      throw error;
    }
  }

  /** Tells a full album from a deleted one once the add's condition failed. */
  private async albumOwnedBy(albumId: string, ownerId: string): Promise<boolean> {
    const { Item } = await this.dynamo.send(new GetCommand({ TableName: this.table, Key: keys.album(albumId), ProjectionExpression: 'ownerId', ConsistentRead: true }));
    return Item?.ownerId === ownerId;
  }

  /** Changes a member's role on both items; false when the membership changed or went meanwhile. */
  async changeRole(seen: AlbumMember, role: MemberRole): Promise<boolean> {
    try {
      await transactWrite(
        this.dynamo,
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.table,
                Key: keys.albumMember(seen.albumId, seen.userId),
                UpdateExpression: 'SET #role = :role',
                ConditionExpression: `#role = :seen AND ${pinned(seen.addedAt).condition}`,
                ExpressionAttributeNames: { '#role': 'role' },
                ExpressionAttributeValues: { ':role': role, ':seen': seen.role, ...pinned(seen.addedAt).values },
              },
            },
            {
              Update: {
                TableName: this.table,
                Key: keys.sharedAlbum(seen.userId, seen.albumId),
                UpdateExpression: 'SET #role = :role',
                ConditionExpression: 'attribute_exists(PK)',
                ExpressionAttributeNames: { '#role': 'role' },
                ExpressionAttributeValues: { ':role': role },
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (cancelledCodes(error)?.includes('ConditionalCheckFailed')) return false;
      throw error;
    }
  }

  /**
   * Ends a membership as it was read: member item and reverse item go, the album's `memberCount` drops
   * by one and the departure (the member's photos still to take out of the album) is written, all in one
   * transaction. An album deleted meanwhile has no count to keep (an update would make a stub of it), so
   * the membership then ends without it. False when the membership changed or went meanwhile.
   */
  async remove(seen: AlbumMember, departure: AlbumDeparture): Promise<boolean> {
    const items = (albumExists: boolean) => [
      {
        Delete: {
          TableName: this.table,
          Key: keys.albumMember(seen.albumId, seen.userId),
          ConditionExpression: pinned(seen.addedAt).condition,
          ...(seen.addedAt === undefined ? {} : { ExpressionAttributeValues: pinned(seen.addedAt).values }),
        },
      },
      { Delete: { TableName: this.table, Key: keys.sharedAlbum(seen.userId, seen.albumId) } },
      { Put: { TableName: this.table, Item: this.departureItem(departure) } },
      ...(albumExists
        ? [
            {
              Update: {
                TableName: this.table,
                Key: keys.album(seen.albumId),
                UpdateExpression: 'ADD memberCount :minus',
                ConditionExpression: 'attribute_exists(PK)',
                ExpressionAttributeValues: { ':minus': -1 },
              },
            },
          ]
        : []),
    ];
    for (const albumExists of [true, false]) {
      try {
        await transactWrite(this.dynamo, new TransactWriteCommand({ TransactItems: items(albumExists) }));
        return true;
      } catch (error) {
        const codes = cancelledCodes(error);
        if (codes?.[0] === 'ConditionalCheckFailed') return false;
        if (!(albumExists && codes?.[3] === 'ConditionalCheckFailed')) throw error;
      }
    }
    return false;
  }

  /** The albums shared with a user, newest shared first (GSI1), one page. */
  async listShared(memberId: string, limit: number, startKey?: Record<string, string>): Promise<{ entries: SharedAlbumEntry[]; lastKey?: Record<string, unknown> }> {
    const page = await dynamoReads(this.dynamo).query({
      TableName: this.table,
      IndexName: 'GSI1',
      KeyConditionExpression: 'GSI1PK = :pk',
      ExpressionAttributeValues: { ':pk': keys.sharedAlbumTimeline(memberId, '', '').GSI1PK },
      ScanIndexForward: false,
      Limit: limit,
      ExclusiveStartKey: startKey,
    });
    return { entries: page.items.map((item) => strip<SharedAlbumEntry>(item)), lastKey: page.lastKey };
  }

  /** The ids of the albums shared with a user, page by page (the table, strongly consistent: account deletion). */
  async *sharedAlbumIds(memberId: string): AsyncGenerator<string[]> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await dynamoReads(this.dynamo).query({
        TableName: this.table,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.profile(memberId).PK, ':prefix': keys.sharedAlbumPrefix },
        ProjectionExpression: 'albumId',
        ConsistentRead: true,
        Limit: MEMBERS_PAGE,
        ExclusiveStartKey: startKey,
      });
      yield page.items.map((item) => String(item.albumId));
      startKey = page.lastKey;
    } while (startKey);
  }

  /** AlbumShared is out: the member's due entry goes (a membership replaced meanwhile keeps its own). */
  async finishShareEvent(member: Pick<AlbumMember, 'albumId' | 'userId' | 'addedAt'>): Promise<boolean> {
    return conditionalWrite(
      this.dynamo,
      new UpdateCommand({
        TableName: this.table,
        Key: keys.albumMember(member.albumId, member.userId),
        UpdateExpression: 'REMOVE GSI2PK, GSI2SK, shareDueAt',
        ConditionExpression: 'addedAt = :added',
        ExpressionAttributeValues: { ':added': member.addedAt },
      }),
    );
  }

  /** Members whose AlbumShared event was due before `before`, oldest first. */
  async listDueShares(before: string, limit: number): Promise<AlbumMember[]> {
    return (await dueItems(this.dynamo, this.table, 'DUE#ALBUMSHARED', before, limit)).map((item) => strip<AlbumMember>(item));
  }

  /** Leases an owed event to a new job until `dueAt`; false when another sweep or the job got there first. */
  async rescheduleShareEvent(seen: AlbumMember, dueAt: string): Promise<boolean> {
    return conditionalWrite(
      this.dynamo,
      new UpdateCommand({
        TableName: this.table,
        Key: keys.albumMember(seen.albumId, seen.userId),
        UpdateExpression: 'SET shareDueAt = :due, GSI2SK = :g2s',
        ConditionExpression: 'shareDueAt = :seen AND addedAt = :added',
        ExpressionAttributeValues: {
          ':due': dueAt,
          ':g2s': keys.albumSharedDue(dueAt, seen.albumId, seen.userId).GSI2SK,
          ':seen': seen.shareDueAt,
          ':added': seen.addedAt,
        },
      }),
    );
  }

  async getDeparture(albumId: string, userId: string): Promise<AlbumDeparture | undefined> {
    const { Item } = await this.dynamo.send(new GetCommand({ TableName: this.table, Key: keys.albumDeparture(albumId, userId), ConsistentRead: true }));
    return Item ? strip<AlbumDeparture>(Item) : undefined;
  }

  async listDueDepartures(before: string, limit: number): Promise<AlbumDeparture[]> {
    return (await dueItems(this.dynamo, this.table, 'DUE#DEPARTURE', before, limit)).map((item) => strip<AlbumDeparture>(item));
  }

  /** Leases a departure to a new job until `dueAt`; false when it changed or went. */
  async rescheduleDeparture(seen: AlbumDeparture, dueAt: string): Promise<boolean> {
    return conditionalWrite(
      this.dynamo,
      new UpdateCommand({
        TableName: this.table,
        Key: keys.albumDeparture(seen.albumId, seen.userId),
        UpdateExpression: 'SET dueAt = :due, GSI2SK = :g2s',
        ConditionExpression: 'dueAt = :seen AND removedAt = :removed',
        ExpressionAttributeValues: {
          ':due': dueAt,
          ':g2s': keys.albumDepartureDue(dueAt, seen.albumId, seen.userId).GSI2SK,
          ':seen': seen.dueAt,
          ':removed': seen.removedAt,
        },
      }),
    );
  }

  /** The member's photos are out of the album: the departure is done (a later one of the same user stays). */
  async finishDeparture(seen: Pick<AlbumDeparture, 'albumId' | 'userId' | 'removedAt'>): Promise<boolean> {
    return conditionalWrite(
      this.dynamo,
      new DeleteCommand({
        TableName: this.table,
        Key: keys.albumDeparture(seen.albumId, seen.userId),
        ConditionExpression: 'removedAt = :removed',
        ExpressionAttributeValues: { ':removed': seen.removedAt },
      }),
    );
  }

  private departureItem(departure: AlbumDeparture): Record<string, unknown> {
    return {
      ...keys.albumDeparture(departure.albumId, departure.userId),
      ...keys.albumDepartureDue(departure.dueAt, departure.albumId, departure.userId),
      ...departure,
    };
  }
}
