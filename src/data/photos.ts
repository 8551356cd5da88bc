import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { keys } from './keys.js';

export type PhotoStatus = 'uploading' | 'processing' | 'ready' | 'rejected';

export interface PhotoRecord {
  userId: string;
  photoId: string;
  status: PhotoStatus;
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
  s3Key: string;
  /** S3 multipart upload id, for items above the multipart threshold. */
  uploadId?: string;
  uploadExpiresAt: string;
  uploadedAt: string;
  /** As the camera recorded it, with its UTC offset when known (what clients display). */
  takenAt?: string;
  /** The same instant in UTC: the timeline's sort key. */
  takenAtUtc?: string;
  width?: number;
  height?: number;
  exif?: Record<string, unknown>;
  location?: { lat: number; lon: number; alt?: number };
  thumbhash?: string;
  derivatives?: { thumbnail: string; preview: string };
  trashedAt?: string;
  rejectedReason?: string;
}

/** Statuses whose bytes count towards usage: every photo that exists, trash included, but rejects. */
export const COUNTED: PhotoStatus[] = ['uploading', 'processing', 'ready'];

/** Why a reservation did not go through; `conflicts` are photo ids that exist already. */
export type ReserveOutcome = { ok: true } | { ok: false; quotaExceeded: boolean; conflicts: string[] };

const REJECTED_TTL_SECONDS = 7 * 24 * 3600;

function strip(item: Record<string, unknown>): PhotoRecord {
  const { PK: _pk, SK: _sk, GSI1PK: _g1, GSI1SK: _g1s, GSI2PK: _g2, GSI2SK: _g2s, ttl: _ttl, ...photo } = item;
  return photo as unknown as PhotoRecord;
}

/** Photos of a user: the `USER#<id>` partition plus the timeline, trash and due indexes. */
export class PhotosRepository {
  constructor(
    private readonly dynamo: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(userId: string, photoId: string): Promise<PhotoRecord | undefined> {
    const { Item } = await this.dynamo.send(new GetCommand({ TableName: this.table, Key: keys.photo(userId, photoId), ConsistentRead: true }));
    return Item ? strip(Item) : undefined;
  }

  async getMany(userId: string, photoIds: string[]): Promise<Map<string, PhotoRecord>> {
    const found = new Map<string, PhotoRecord>();
    const unique = [...new Set(photoIds)];
    for (let i = 0; i < unique.length; i += 100) {
      let request: Record<string, { Keys: Record<string, unknown>[]; ConsistentRead: boolean }> | undefined = {
        [this.table]: { Keys: unique.slice(i, i + 100).map((id) => keys.photo(userId, id)), ConsistentRead: true },
      };
      while (request && Object.keys(request).length > 0) {
        const result = await this.dynamo.send(new BatchGetCommand({ RequestItems: request }));
        for (const item of result.Responses?.[this.table] ?? []) {
          const photo = strip(item);
          found.set(photo.photoId, photo);
        }
        request = result.UnprocessedKeys as typeof request;
      }
    }
    return found;
  }

  /**
   * Records new photos and reserves their bytes in one transaction: all or none. A photo id that
   * exists (unless it was rejected) or a quota the batch would pass cancels it; the caller sorts
   * the conflicts out and retries.
   */
  async reserve(userId: string, photos: PhotoRecord[], quotaBytes: number): Promise<ReserveOutcome> {
    const total = photos.reduce((sum, p) => sum + p.size, 0);
    try {
      await this.dynamo.send(
        new TransactWriteCommand({
          TransactItems: [
            ...photos.map((photo) => ({
              Put: {
                TableName: this.table,
                Item: { ...keys.photo(userId, photo.photoId), ...keys.due('UPLOAD', photo.uploadExpiresAt, userId, photo.photoId), ...photo },
                ConditionExpression: 'attribute_not_exists(PK) OR #status = :rejected',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':rejected': 'rejected' },
              },
            })),
            {
              // Conditions cannot add: "bytes <= quota - total" with the quota we read, which must not have changed.
              Update: {
                TableName: this.table,
                Key: keys.profile(userId),
                UpdateExpression: 'ADD bytes :total, photoCount :count',
                ConditionExpression: 'attribute_exists(PK) AND quotaBytes = :quota AND bytes <= :limit',
                ExpressionAttributeValues: { ':total': total, ':count': photos.length, ':quota': quotaBytes, ':limit': quotaBytes - total },
              },
            },
          ],
        }),
      );
      return { ok: true };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      const conflicts = photos.filter((_, i) => reasons[i]?.Code === 'ConditionalCheckFailed').map((p) => p.photoId);
      const quotaExceeded = reasons[photos.length]?.Code === 'ConditionalCheckFailed';
      if (conflicts.length === 0 && !quotaExceeded) throw error; // a transaction conflict: the caller retries
      return { ok: false, quotaExceeded, conflicts };
    }
  }

  /** Fresh upload URLs for a photo still uploading: pushes its sweep time out. */
  async extendUpload(userId: string, photoId: string, uploadExpiresAt: string): Promise<void> {
    await this.dynamo.send(
      new UpdateCommand({
        TableName: this.table,
        Key: keys.photo(userId, photoId),
        UpdateExpression: 'SET uploadExpiresAt = :at, GSI2SK = :due',
        ConditionExpression: '#status = :uploading',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':at': uploadExpiresAt, ':uploading': 'uploading', ':due': keys.due('UPLOAD', uploadExpiresAt, userId, photoId).GSI2SK },
      }),
    );
  }

  /** uploading -> processing; false when another call got there first. */
  async markProcessing(userId: string, photoId: string): Promise<boolean> {
    return this.conditional(
      new UpdateCommand({
        TableName: this.table,
        Key: keys.photo(userId, photoId),
        UpdateExpression: 'SET #status = :processing REMOVE GSI2PK, GSI2SK',
        ConditionExpression: '#status = :uploading',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':processing': 'processing', ':uploading': 'uploading' },
      }),
    );
  }

  /** Processing done: the photo enters the timeline at its taken-at time (unless it sits in the trash). */
  async markReady(
    photo: PhotoRecord,
    result: Required<Pick<PhotoRecord, 'width' | 'height' | 'takenAt' | 'takenAtUtc' | 'thumbhash' | 'derivatives'>> & Pick<PhotoRecord, 'exif' | 'location' | 'contentType'>,
  ): Promise<boolean> {
    const index = photo.trashedAt ? {} : keys.timeline(photo.userId, result.takenAtUtc, photo.photoId);
    const values: Record<string, unknown> = { ':ready': 'ready', ':uploading': 'uploading', ':processing': 'processing' };
    const sets = ['#status = :ready'];
    for (const [name, value] of Object.entries({ ...result, ...index })) {
      if (value === undefined) continue;
      sets.push(`#${name} = :${name}`);
      values[`:${name}`] = value;
    }
    const names: Record<string, string> = { '#status': 'status' };
    for (const [name, value] of Object.entries({ ...result, ...index })) if (value !== undefined) names[`#${name}`] = name;
    return this.conditional(
      new UpdateCommand({
        TableName: this.table,
        Key: keys.photo(photo.userId, photo.photoId),
        // A trashed photo keeps its trash and purge keys; otherwise the upload-due key goes. The
        // condition pins the trash state this decision was made on (false: re-read and retry).
        UpdateExpression: `SET ${sets.join(', ')}${photo.trashedAt ? '' : ' REMOVE GSI2PK, GSI2SK'}`,
        ConditionExpression: `#status IN (:uploading, :processing) AND ${photo.trashedAt ? 'attribute_exists' : 'attribute_not_exists'}(trashedAt)`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }

  /** A photo that will never be ready: kept a week so clients can read why, its bytes released now. */
  async reject(photo: PhotoRecord, reason: string, nowSeconds: number): Promise<boolean> {
    return this.transaction([
      {
        Update: {
          TableName: this.table,
          Key: keys.photo(photo.userId, photo.photoId),
          UpdateExpression: 'SET #status = :rejected, rejectedReason = :reason, #ttl = :ttl REMOVE GSI1PK, GSI1SK, GSI2PK, GSI2SK',
          ConditionExpression: '#status IN (:uploading, :processing)',
          ExpressionAttributeNames: { '#status': 'status', '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':rejected': 'rejected', ':reason': reason, ':ttl': nowSeconds + REJECTED_TTL_SECONDS, ':uploading': 'uploading', ':processing': 'processing' },
        },
      },
      this.usageChange(photo.userId, -photo.size, -1),
    ]);
  }

  async trash(photo: PhotoRecord, trashedAt: string, purgeAt: string): Promise<boolean> {
    return this.conditional(
      new UpdateCommand({
        TableName: this.table,
        Key: keys.photo(photo.userId, photo.photoId),
        UpdateExpression: 'SET trashedAt = :at, GSI1PK = :g1, GSI1SK = :g1s, GSI2PK = :g2, GSI2SK = :g2s',
        ConditionExpression: 'attribute_not_exists(trashedAt) AND #status IN (:processing, :ready)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':at': trashedAt,
          ':g1': keys.trash(photo.userId, trashedAt, photo.photoId).GSI1PK,
          ':g1s': keys.trash(photo.userId, trashedAt, photo.photoId).GSI1SK,
          ':g2': keys.due('PURGE', purgeAt, photo.userId, photo.photoId).GSI2PK,
          ':g2s': keys.due('PURGE', purgeAt, photo.userId, photo.photoId).GSI2SK,
          ':processing': 'processing',
          ':ready': 'ready',
        },
      }),
    );
  }

  async restore(photo: PhotoRecord): Promise<boolean> {
    const back = photo.status === 'ready' && photo.takenAtUtc ? keys.timeline(photo.userId, photo.takenAtUtc, photo.photoId) : undefined;
    return this.conditional(
      new UpdateCommand({
        TableName: this.table,
        Key: keys.photo(photo.userId, photo.photoId),
        UpdateExpression: back ? 'SET GSI1PK = :g1, GSI1SK = :g1s REMOVE trashedAt, GSI2PK, GSI2SK' : 'REMOVE trashedAt, GSI1PK, GSI1SK, GSI2PK, GSI2SK',
        ConditionExpression: 'attribute_exists(trashedAt)',
        ...(back ? { ExpressionAttributeValues: { ':g1': back.GSI1PK, ':g1s': back.GSI1SK } } : {}),
      }),
    );
  }

  /** Deletes the record and releases its bytes; `expect` guards against a concurrent change. */
  async remove(photo: PhotoRecord, expect: 'uploading' | 'trashed' | 'any'): Promise<boolean> {
    const condition =
      expect === 'uploading' ? { ConditionExpression: '#status = :s', ExpressionAttributeNames: { '#status': 'status' }, ExpressionAttributeValues: { ':s': 'uploading' } }
      : expect === 'trashed' ? { ConditionExpression: 'attribute_exists(trashedAt)' }
      : { ConditionExpression: 'attribute_exists(PK)' };
    const counted = COUNTED.includes(photo.status);
    return this.transaction([
      { Delete: { TableName: this.table, Key: keys.photo(photo.userId, photo.photoId), ...condition } },
      ...(counted ? [this.usageChange(photo.userId, -photo.size, -1)] : []),
    ]);
  }

  async listTimeline(userId: string, limit: number, startKey?: Record<string, unknown>) {
    return this.newestFirstOnGsi1(`TIMELINE#${userId}`, limit, startKey);
  }

  async listTrash(userId: string, limit: number, startKey?: Record<string, unknown>) {
    return this.newestFirstOnGsi1(`TRASH#${userId}`, limit, startKey);
  }

  /** Photos whose upload URL expired or whose 30 days in the trash are over, oldest first. */
  async listDue(kind: 'UPLOAD' | 'PURGE', before: string, limit: number): Promise<PhotoRecord[]> {
    const result = await this.dynamo.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'GSI2',
        KeyConditionExpression: 'GSI2PK = :pk AND GSI2SK < :before',
        ExpressionAttributeValues: { ':pk': `DUE#${kind}`, ':before': before },
        Limit: limit,
      }),
    );
    return (result.Items ?? []).map(strip);
  }

  /** Every photo of a user (account deletion), page by page. */
  async *allOfUser(userId: string): AsyncGenerator<PhotoRecord[]> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const result = await this.dynamo.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :photo)',
          ExpressionAttributeValues: { ':pk': `USER#${userId}`, ':photo': 'PHOTO#' },
          ExclusiveStartKey: startKey,
          ConsistentRead: true,
        }),
      );
      yield (result.Items ?? []).map(strip);
      startKey = result.LastEvaluatedKey;
    } while (startKey);
  }

  private async newestFirstOnGsi1(pk: string, limit: number, startKey: Record<string, unknown> | undefined) {
    const result = await this.dynamo.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'GSI1',
        KeyConditionExpression: 'GSI1PK = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: startKey,
      }),
    );
    return { photos: (result.Items ?? []).map(strip), lastKey: result.LastEvaluatedKey };
  }

  private usageChange(userId: string, bytes: number, photos: number) {
    return {
      Update: {
        TableName: this.table,
        Key: keys.profile(userId),
        UpdateExpression: 'ADD bytes :bytes, photoCount :photos',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeValues: { ':bytes': bytes, ':photos': photos },
      },
    };
  }

  private async conditional(command: UpdateCommand): Promise<boolean> {
    try {
      await this.dynamo.send(command);
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  private async transaction(items: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>): Promise<boolean> {
    try {
      await this.dynamo.send(new TransactWriteCommand({ TransactItems: items }));
      return true;
    } catch (error) {
      if (error instanceof TransactionCanceledException && error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed') return false;
      throw error;
    }
  }
}
