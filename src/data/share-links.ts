import { BatchGetCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { conditionalWrite } from './conditional-write.js';
import { keys } from './keys.js';

export type ShareLinkKind = 'view' | 'collect';

/** A share link item (docs/data-model.md, "Share links"). */
export interface ShareLinkRecord {
  albumId: string;
  linkId: string;
  kind: ShareLinkKind;
  /** ISO 8601: the link opens nothing from then on (the token's `exp` says the same). */
  expiresAt: string;
  /** scrypt (src/sharing/password.ts); absent: no password. */
  passwordHash?: string;
  revokedAt?: string;
  /** Collect links: files guests may still add, counted in `uploads`. */
  maxUploads?: number;
  uploads?: number;
  createdAt: string;
  createdBy: string;
}

/** The album as a link holder's request reads it, with the link. */
export interface LinkedAlbum {
  albumId: string;
  ownerId: string;
  name: string;
}

/** Expired and revoked links stay listed this long after their expiry, then DynamoDB's TTL removes them. */
const KEPT_AFTER_EXPIRY_SECONDS = 90 * 24 * 3600;

function strip(item: Record<string, unknown>): ShareLinkRecord {
  const { PK: _pk, SK: _sk, ttl: _ttl, ...link } = item;
  return link as unknown as ShareLinkRecord;
}

/**
 * Share links live in their album's partition (`ALBUM#<albumId>`, `LINK#<linkId>`): the owner lists them with
 * one Query, and a link holder's request reads the link and the album in one consistent BatchGetItem, so a
 * revocation or the album's deletion is seen by the next request on every instance.
 */
export class ShareLinksRepository {
  constructor(
    private readonly dynamo: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(link: ShareLinkRecord): Promise<void> {
    const ttl = Math.floor(Date.parse(link.expiresAt) / 1000) + KEPT_AFTER_EXPIRY_SECONDS;
    await this.dynamo.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...keys.shareLink(link.albumId, link.linkId), ...link, ttl },
        // Ids are random: a collision is a bug, never overwritten.
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    );
  }

  /** Every link of the album, newest first (ids sort by creation time). */
  async list(albumId: string): Promise<ShareLinkRecord[]> {
    const found: ShareLinkRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.dynamo.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :link)',
          ExpressionAttributeValues: { ':pk': keys.album(albumId).PK, ':link': keys.shareLinkPrefix },
          ScanIndexForward: false,
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      found.push(...(page.Items ?? []).map(strip));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return found;
  }

  /**
   * The link and its album, strongly consistent; undefined when either is missing (an unknown link, a
   * deleted album). Whether the link may still be used (revoked, expired) is the caller's decision.
   */
  async getWithAlbum(albumId: string, linkId: string): Promise<{ link: ShareLinkRecord; album: LinkedAlbum } | undefined> {
    const albumKey = keys.album(albumId);
    const linkKey = keys.shareLink(albumId, linkId);
    let pending: Record<string, unknown>[] = [albumKey, linkKey];
    const found: Record<string, unknown>[] = [];
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt === 5) throw new Error('share link could not be read (keys left unprocessed)');
      const answer = await this.dynamo.send(new BatchGetCommand({ RequestItems: { [this.table]: { Keys: pending, ConsistentRead: true } } }));
      found.push(...(answer.Responses?.[this.table] ?? []));
      pending = (answer.UnprocessedKeys?.[this.table]?.Keys as Record<string, unknown>[] | undefined) ?? [];
    }
    const album = found.find((item) => item.SK === albumKey.SK);
    const link = found.find((item) => item.SK === linkKey.SK);
    if (!album || !link) return undefined;
    return { link: strip(link), album: { albumId, ownerId: album.ownerId as string, name: typeof album.name === 'string' ? album.name : '' } };
  }

  /** Revokes a live link; false when there is no such link (a revoked one stays revoked at its first time). */
  async revoke(albumId: string, linkId: string, revokedAt: string): Promise<boolean> {
    const revoked = await conditionalWrite(
      this.dynamo,
      new UpdateCommand({
        TableName: this.table,
        Key: keys.shareLink(albumId, linkId),
        UpdateExpression: 'SET revokedAt = :at',
        ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(revokedAt)',
        ExpressionAttributeValues: { ':at': revokedAt },
      }),
    );
    if (revoked) return true;
    const existing = await this.dynamo.send(new GetCommand({ TableName: this.table, Key: keys.shareLink(albumId, linkId), ConsistentRead: true, ProjectionExpression: 'PK' }));
    return existing.Item !== undefined;
  }

  /**
   * Counts `count` guest files against a collect link, only while it is live and has room for all of them:
   * `uploads + count <= maxUploads` is written as `uploads <= maxUploads - count` with the maxUploads read (pinned).
   */
  async reserveUploads(link: ShareLinkRecord, count: number, now: string): Promise<boolean> {
    const max = link.maxUploads ?? 0;
    return conditionalWrite(
      this.dynamo,
      new UpdateCommand({
        TableName: this.table,
        Key: keys.shareLink(link.albumId, link.linkId),
        UpdateExpression: 'ADD uploads :count',
        ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(revokedAt) AND expiresAt > :now AND maxUploads = :max AND uploads <= :room',
        ExpressionAttributeValues: { ':count': count, ':now': now, ':max': max, ':room': max - count },
      }),
    );
  }

  /** Gives back counted files that were not added after all (rejected, failed). */
  async releaseUploads(link: ShareLinkRecord, count: number): Promise<void> {
    if (count <= 0) return;
    await conditionalWrite(
      this.dynamo,
      new UpdateCommand({
        TableName: this.table,
        Key: keys.shareLink(link.albumId, link.linkId),
        UpdateExpression: 'ADD uploads :minus',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeValues: { ':minus': -count },
      }),
    );
  }
}
