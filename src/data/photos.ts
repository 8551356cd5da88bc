import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { dynamoReads } from '../aws/dynamodb.js';
import { dueItems } from './due-entries.js';
import { tombstoneFor, tombstoneItem, type Tombstone } from './deletions.js';
import { conditionalWrite } from './conditional-write.js';
import { keys, type DueKind } from './keys.js';
import { VIEW_FIELDS, VIEW_PROJECTION } from './photo-view.js';

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
  /** S3 multipart upload id, for items above the multipart threshold (attached after the reservation). */
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
  /** While in the trash: when the purge is due (mirrored in GSI2 `DUE#PURGE`; pushed on while a purge job holds it). */
  purgeAt?: string;
  rejectedReason?: string;
  /**
   * While the pipeline is unfinished (processing, or ready with PhotoUploaded not yet published): when the
   * reconciliation sweep re-enqueues the job; mirrored in GSI2 `DUE#PROCESS`.
   */
  processingDueAt?: string;
  /** How many times the reconciliation sweep re-enqueued the job (its delay grows with it). */
  processingRetries?: number;
}

/** A photo as listings read it (photo-view.ts). */
export type PhotoView = Pick<PhotoRecord, (typeof VIEW_FIELDS)[number]>;
// Every projected field is a record field (a typo would project nothing and show a photo without it).
VIEW_FIELDS satisfies readonly (keyof PhotoRecord)[];

/** Statuses whose bytes count towards usage: every photo that exists, trash included, but rejects. */
export const COUNTED: PhotoStatus[] = ['uploading', 'processing', 'ready'];

/** Why a reservation did not go through; `conflicts` are photo ids that exist already. */
export type ReserveOutcome = { ok: true } | { ok: false; quotaExceeded: boolean; conflicts: string[] };

const REJECTED_TTL_SECONDS = 7 * 24 * 3600;

function strip(item: Record<string, unknown>): PhotoRecord {
  const { PK: _pk, SK: _sk, GSI1PK: _g1, GSI1SK: _g1s, GSI2PK: _g2, GSI2SK: _g2s, ttl: _ttl, ...photo } = item;
  return photo as unknown as PhotoRecord;
}

/**
 * Photos of a user: the `USER#<id>` partition plus the timeline, trash and due indexes. It is longer than
 * our other modules on purpose: it is the photo record's state machine (reserve, multipart attach,
 * processing, ready, rejected, trash, restore, purge), and every transition's condition expression reads
 * against the others', so they stay side by side.
 */
export class PhotosRepository {
  constructor(
    private readonly dynamo: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(userId: string, photoId: string): Promise<PhotoRecord | undefined> {
    const item = await dynamoReads(this.dynamo).get({ TableName: this.table, Key: keys.photo(userId, photoId), ConsistentRead: true });
    return item ? strip(item) : undefined;
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

  /** Fresh upload URLs for a photo still uploading: pushes its sweep time out. False when it is no longer uploading. */
  async extendUpload(userId: string, photoId: string, uploadExpiresAt: string): Promise<boolean> {
    return this.conditional(
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

  /**
   * The multipart upload created for a reserved photo. False when the photo already has one (a
   * concurrent request attached it first) or is no longer uploading: the caller aborts its own.
   */
  async attachMultipart(userId: string, photoId: string, uploadId: string): Promise<boolean> {
    return this.conditional(
      new UpdateCommand({
        TableName: this.table,
        Key: keys.photo(userId, photoId),
        UpdateExpression: 'SET uploadId = :id',
        ConditionExpression: '#status = :uploading AND attribute_not_exists(uploadId)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':id': uploadId, ':uploading': 'uploading' },
      }),
    );
  }

  /**
   * uploading -> processing, with the time the reconciliation sweep re-enqueues the job if the
   * pipeline has not finished by then. False when another call got there first (or the upload is gone).
   */
  async markProcessing(userId: string, photoId: string, dueAt: string): Promise<boolean> {
    const due = keys.due('PROCESS', dueAt, userId, photoId);
    return this.conditional(
      new UpdateCommand({
        TableName: this.table,
        Key: keys.photo(userId, photoId),
        UpdateExpression: 'SET #status = :processing, processingDueAt = :dueAt, GSI2PK = :g2, GSI2SK = :g2s',
        ConditionExpression: '#status = :uploading',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':processing': 'processing', ':uploading': 'uploading', ':dueAt': dueAt, ':g2': due.GSI2PK, ':g2s': due.GSI2SK },
      }),
    );
  }

  /**
   * The reconciliation sweep claims an overdue pipeline: moves its due time to `nextDueAt`, only if
   * it is still the one the sweep listed (of several instances, one re-enqueues).
   */
  async rescheduleProcessing(photo: PhotoRecord, nextDueAt: string): Promise<boolean> {
    const due = keys.due('PROCESS', nextDueAt, photo.userId, photo.photoId);
    return this.conditional(
      new UpdateCommand({
        TableName: this.table,
        Key: keys.photo(photo.userId, photo.photoId),
        UpdateExpression: 'SET processingDueAt = :next, GSI2SK = :g2s ADD processingRetries :one',
        ConditionExpression: 'processingDueAt = :seen AND GSI2PK = :g2',
        ExpressionAttributeValues: { ':next': nextDueAt, ':seen': photo.processingDueAt ?? '', ':g2': due.GSI2PK, ':g2s': due.GSI2SK, ':one': 1 },
      }),
    );
  }

  /**
   * The pipeline of a ready photo is finished (PhotoUploaded published): it leaves the reconciliation
   * index; a photo in the trash takes its purge entry (at `purgeAt`) there instead. Pinned to the
   * trash state read: false when it changed (the reconciliation comes back to it).
   */
  async finishPipeline(photo: PhotoRecord): Promise<boolean> {
    const purge = photo.trashedAt && photo.purgeAt ? keys.due('PURGE', photo.purgeAt, photo.userId, photo.photoId) : undefined;
    return this.conditional(
      new UpdateCommand({
        TableName: this.table,
        Key: keys.photo(photo.userId, photo.photoId),
        UpdateExpression: purge ? 'SET GSI2PK = :purge, GSI2SK = :purgeSk REMOVE processingDueAt, processingRetries' : 'REMOVE GSI2PK, GSI2SK, processingDueAt, processingRetries',
        ConditionExpression: `#status = :ready AND GSI2PK = :g2 AND ${purge ? 'trashedAt = :trashedAt' : 'attribute_not_exists(trashedAt)'}`,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':ready': 'ready',
          ':g2': keys.due('PROCESS', '', photo.userId, photo.photoId).GSI2PK,
          ...(purge ? { ':purge': purge.GSI2PK, ':purgeSk': purge.GSI2SK, ':trashedAt': photo.trashedAt } : {}),
        },
      }),
    );
  }

  /** Processing done: the photo enters the timeline at its taken-at time (unless it sits in the trash). */
  async markReady(
    photo: PhotoRecord,
    result: Required<Pick<PhotoRecord, 'width' | 'height' | 'takenAt' | 'takenAtUtc' | 'thumbhash' | 'derivatives'>> & Pick<PhotoRecord, 'exif' | 'location' | 'contentType'>,
  ): Promise<boolean> {
    const index = photo.trashedAt ? {} : keys.timeline(photo.userId, result.takenAtUtc, photo.photoId);
    const values: Record<string, unknown> = { ':ready': 'ready', ':processing': 'processing' };
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
        // GSI2 is left alone: a trashed photo keeps its purge key, any other its DUE#PROCESS key until
        // PhotoUploaded is out (finishPipeline). The condition pins the trash state this decision was
        // made on (false: re-read and retry).
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: `#status = :processing AND ${photo.trashedAt ? 'attribute_exists' : 'attribute_not_exists'}(trashedAt)`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }

  /**
   * A photo that will never be ready: kept a week so clients can read why, its bytes released now.
   * A tombstone in the same transaction makes its objects go (derivatives included), and go again
   * after its upload URL died, so an upload URL still valid cannot leave bytes nobody pays for.
   */
  async reject(photo: PhotoRecord, reason: string, nowSeconds: number): Promise<boolean> {
    const tombstone = tombstoneFor(photo, new Date(nowSeconds * 1000));
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
      { Put: { TableName: this.table, Item: tombstoneItem(tombstone) } },
    ]);
  }

  /**
   * Into the trash, purged at `purgeAt`. GSI2 holds one due entry: while the photo's pipeline is
   * unfinished it keeps `DUE#PROCESS` (the reconciliation must not lose it) and finishPipeline moves
   * it to `DUE#PURGE` at `purgeAt`; otherwise the purge entry is set here. The condition pins which
   * of the two the decision was made on.
   */
  async trash(photo: PhotoRecord, trashedAt: string, purgeAt: string): Promise<boolean> {
    const pipeline = photo.processingDueAt !== undefined;
    const purge = keys.due('PURGE', purgeAt, photo.userId, photo.photoId);
    return this.conditional(
      new UpdateCommand({
        TableName: this.table,
        Key: keys.photo(photo.userId, photo.photoId),
        UpdateExpression: `SET trashedAt = :at, purgeAt = :purgeAt, GSI1PK = :g1, GSI1SK = :g1s${pipeline ? '' : ', GSI2PK = :g2, GSI2SK = :g2s'}`,
        ConditionExpression: `attribute_not_exists(trashedAt) AND #status IN (:processing, :ready) AND ${pipeline ? 'processingDueAt = :pipeline' : 'attribute_not_exists(processingDueAt)'}`,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':at': trashedAt,
          ':purgeAt': purgeAt,
          ':g1': keys.trash(photo.userId, trashedAt, photo.photoId).GSI1PK,
          ':g1s': keys.trash(photo.userId, trashedAt, photo.photoId).GSI1SK,
          ...(pipeline ? { ':pipeline': photo.processingDueAt } : { ':g2': purge.GSI2PK, ':g2s': purge.GSI2SK }),
          ':processing': 'processing',
          ':ready': 'ready',
        },
      }),
    );
  }

  /**
   * Out of the trash, back to the timeline when ready. The condition pins the trash entry, the
   * status the index decision was made on (a photo that became ready meanwhile: false, re-read) and
   * who holds GSI2: the purge entry goes, an unfinished pipeline's `DUE#PROCESS` stays.
   */
  async restore(photo: PhotoRecord): Promise<boolean> {
    const back = photo.status === 'ready' && photo.takenAtUtc ? keys.timeline(photo.userId, photo.takenAtUtc, photo.photoId) : undefined;
    const pipeline = photo.processingDueAt !== undefined;
    const removes = ['trashedAt', 'purgeAt', ...(back ? [] : ['GSI1PK', 'GSI1SK']), ...(pipeline ? [] : ['GSI2PK', 'GSI2SK'])];
    return this.conditional(
      new UpdateCommand({
        TableName: this.table,
        Key: keys.photo(photo.userId, photo.photoId),
        UpdateExpression: `${back ? 'SET GSI1PK = :g1, GSI1SK = :g1s ' : ''}REMOVE ${removes.join(', ')}`,
        ConditionExpression: `trashedAt = :trashedAt AND #status = :status AND ${pipeline ? 'attribute_exists' : 'attribute_not_exists'}(processingDueAt)`,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':trashedAt': photo.trashedAt ?? '', ':status': photo.status, ...(back ? { ':g1': back.GSI1PK, ':g1s': back.GSI1SK } : {}) },
      }),
    );
  }

  /**
   * A purge job takes the photo: its purge entry moves to `nextDueAt` (should the job be lost, the
   * sweep hands it out again then). Only from the trash entry and due time the sweep listed, so of
   * several instances one enqueues it.
   */
  async leasePurge(photo: PhotoRecord, nextDueAt: string): Promise<boolean> {
    const due = keys.due('PURGE', nextDueAt, photo.userId, photo.photoId);
    const seenDue = photo.purgeAt === undefined ? 'attribute_not_exists(purgeAt)' : 'purgeAt = :seenDue';
    return this.conditional(
      new UpdateCommand({
        TableName: this.table,
        Key: keys.photo(photo.userId, photo.photoId),
        UpdateExpression: 'SET purgeAt = :next, GSI2PK = :g2, GSI2SK = :g2s',
        ConditionExpression: `trashedAt = :trashedAt AND ${seenDue}`,
        ExpressionAttributeValues: {
          ':next': nextDueAt,
          ':g2': due.GSI2PK,
          ':g2s': due.GSI2SK,
          ':trashedAt': photo.trashedAt ?? '',
          ...(photo.purgeAt === undefined ? {} : { ':seenDue': photo.purgeAt }),
        },
      }),
    );
  }

  /**
   * Deletes the record and releases its bytes, with the tombstone that makes its objects go, in one
   * transaction. The condition pins what the caller decided on: the status and size seen (usage is
   * released by those), and the trash entry for a purge (`trashed`) or the URL expiry for an
   * abandoned upload (`uploading`), so a restore, a completion or fresh URLs meanwhile win, and of
   * several instances exactly one releases the bytes.
   */
  async remove(photo: PhotoRecord, guard: 'trashed' | 'uploading', tombstone: Tombstone): Promise<boolean> {
    const pinned = guard === 'trashed' ? { field: 'trashedAt', value: photo.trashedAt ?? '' } : { field: 'uploadExpiresAt', value: photo.uploadExpiresAt };
    if (guard === 'uploading' && photo.status !== 'uploading') return false;
    return this.transaction([
      {
        Delete: {
          TableName: this.table,
          Key: keys.photo(photo.userId, photo.photoId),
          ConditionExpression: `#status = :status AND size = :size AND ${pinned.field} = :pinned`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':status': photo.status, ':size': photo.size, ':pinned': pinned.value },
        },
      },
      ...(COUNTED.includes(photo.status) ? [this.usageChange(photo.userId, -photo.size, -1)] : []),
      { Put: { TableName: this.table, Item: tombstoneItem(tombstone) } },
    ]);
  }

  /**
   * Account deletion: the record goes without touching usage (the profile goes with the account, and
   * may be gone already on the late re-sweep). The caller deletes the user's whole prefix after.
   */
  async forget(photo: PhotoRecord): Promise<void> {
    await this.dynamo.send(new DeleteCommand({ TableName: this.table, Key: keys.photo(photo.userId, photo.photoId) }));
  }

  async listTimeline(userId: string, limit: number, startKey?: Record<string, unknown>) {
    return this.newestFirstOnGsi1(`TIMELINE#${userId}`, limit, startKey);
  }

  /** A page of the timeline or the trash as the API shows it (photo-view.ts); emptying the trash reads whole records. */
  async listView(listing: 'TIMELINE' | 'TRASH', userId: string, limit: number, startKey?: Record<string, unknown>) {
    return this.viewOnGsi1(`${listing}#${userId}`, limit, startKey);
  }

  async listTrash(userId: string, limit: number, startKey?: Record<string, unknown>) {
    return this.newestFirstOnGsi1(`TRASH#${userId}`, limit, startKey);
  }

  /** Photos whose upload URL expired or whose 30 days in the trash are over, oldest first. */
  async listDue(kind: DueKind, before: string, limit: number): Promise<PhotoRecord[]> {
    return (await dueItems(this.dynamo, this.table, `DUE#${kind}`, before, limit)).map(strip);
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

  /** A newest-first page of a GSI1 listing: whole records, or only what the API shows (`view`). */
  private async queryGsi1(pk: string, limit: number, startKey: Record<string, unknown> | undefined, view: boolean) {
    return dynamoReads(this.dynamo).query({
      TableName: this.table,
      IndexName: 'GSI1',
      KeyConditionExpression: 'GSI1PK = :pk',
      ExpressionAttributeValues: { ':pk': pk },
      ...(view ? VIEW_PROJECTION : {}),
      ScanIndexForward: false,
      Limit: limit,
      ExclusiveStartKey: startKey,
    });
  }

  private async newestFirstOnGsi1(pk: string, limit: number, startKey: Record<string, unknown> | undefined) {
    const { items, lastKey } = await this.queryGsi1(pk, limit, startKey, false);
    return { photos: items.map(strip), lastKey };
  }

  private async viewOnGsi1(pk: string, limit: number, startKey: Record<string, unknown> | undefined) {
    const { items, lastKey } = await this.queryGsi1(pk, limit, startKey, true);
    return { photos: items as PhotoView[], lastKey };
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

  private conditional(command: UpdateCommand): Promise<boolean> {
    return conditionalWrite(this.dynamo, command);
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
