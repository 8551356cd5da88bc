import { createHash } from 'node:crypto';
import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { RevocationState } from '../auth/revocation-view.js';
import { keys } from './keys.js';

/**
 * The revocation feed: a copy of every write of a user's revocation record (logout, password
 * reset, account deletion, a session admitted in the revoked second), which every instance polls
 * to keep its in-memory view (src/auth/revocation-sync.ts). Design and limits: docs/security.md,
 * "Revocation without I/O per request"; table layout: docs/data-model.md.
 */

/** Entries are grouped in one partition per hour: a poll reads one partition, a start-up a handful. */
export const FEED_BUCKET_SECONDS = 3600;

/**
 * Partitions per hour. Every instance reads each shard on every poll, so this multiplies the
 * queries; one partition takes ~500 revocation writes per second (2 WCU each, in a transaction),
 * far beyond our logout rate. Raise it (on every instance at once) only if writes approach that.
 */
export const FEED_SHARDS = 1;

/** How long DynamoDB keeps an entry after it was written (beyond the window any instance reads). */
const ENTRY_TTL_SECONDS = 2 * 3600;

/** Buckets whose last entry was written this long ago are read eventually consistent (see docs/security.md). */
const SETTLED_MS = 60_000;

const bucketStart = (ms: number) => Math.floor(ms / 1000 / FEED_BUCKET_SECONDS) * FEED_BUCKET_SECONDS;

const shardOf = (userId: string, shards: number) => (shards === 1 ? 0 : createHash('sha256').update(userId).digest().readUInt32BE(0) % shards);

/** The feed item of one record write, made at `writtenAtMs` (that time orders the feed). */
export function feedEntryItem(state: RevocationState, writtenAtMs: number, shards = FEED_SHARDS): Record<string, unknown> {
  return {
    ...keys.revocationFeedEntry(bucketStart(writtenAtMs), shardOf(state.userId, shards), writtenAtMs, state.userId, state.version),
    userId: state.userId,
    revokedBefore: state.revokedBefore,
    revocationId: state.revocationId,
    sessions: state.sessions,
    version: state.version,
    ttl: Math.floor(writtenAtMs / 1000) + ENTRY_TTL_SECONDS,
  };
}

function toState(item: Record<string, unknown>): RevocationState | undefined {
  const { userId, revokedBefore, revocationId, sessions, version } = item;
  if (typeof userId !== 'string' || typeof revokedBefore !== 'number' || typeof version !== 'number') return undefined;
  return {
    userId,
    revokedBefore,
    revocationId: typeof revocationId === 'string' ? revocationId : '',
    sessions: Array.isArray(sessions) ? sessions.filter((s): s is string => typeof s === 'string') : [],
    version,
  };
}

export interface RevocationFeedOptions {
  shards?: number;
  /** Items per page (DynamoDB's own 1 MB pages when unset); small pages let tests see paging. */
  pageLimit?: number;
}

export class RevocationFeed {
  private readonly shards: number;
  private readonly pageLimit: number | undefined;

  constructor(
    private readonly dynamo: DynamoDBDocumentClient,
    private readonly table: string,
    options: RevocationFeedOptions = {},
  ) {
    this.shards = options.shards ?? FEED_SHARDS;
    this.pageLimit = options.pageLimit;
  }

  /**
   * Every entry written at or after `sinceMs` (up to now), page by page: one query per bucket and
   * shard, so one query for a poll (two in the first seconds of an hour) and a few for a start-up.
   */
  async readSince(sinceMs: number, nowMs: number, abortSignal?: AbortSignal): Promise<RevocationState[]> {
    const states: RevocationState[] = [];
    for (let bucket = bucketStart(sinceMs); bucket <= bucketStart(nowMs); bucket += FEED_BUCKET_SECONDS) {
      // A bucket closed a minute ago holds only long-replicated writes: half price, same answer.
      const consistent = (bucket + FEED_BUCKET_SECONDS) * 1000 > nowMs - SETTLED_MS;
      for (let shard = 0; shard < this.shards; shard++) {
        let startKey: Record<string, unknown> | undefined;
        do {
          const page = await this.dynamo.send(
            new QueryCommand({
              TableName: this.table,
              KeyConditionExpression: 'PK = :pk AND SK > :since',
              ExpressionAttributeValues: { ':pk': keys.revocationFeedPartition(bucket, shard).PK, ':since': keys.revocationFeedSince(sinceMs) },
              ProjectionExpression: 'userId, revokedBefore, revocationId, #sessions, #version',
              ExpressionAttributeNames: { '#sessions': 'sessions', '#version': 'version' },
              ConsistentRead: consistent,
              ExclusiveStartKey: startKey,
              Limit: this.pageLimit,
            }),
            { abortSignal },
          );
          for (const item of page.Items ?? []) {
            const state = toState(item);
            if (state) states.push(state);
          }
          startKey = page.LastEvaluatedKey;
        } while (startKey);
      }
    }
    return states;
  }

  /** Writes the entry again at a later time: for a write that took so long that polls may have passed its time. */
  async republish(state: RevocationState, writtenAtMs: number): Promise<void> {
    await this.dynamo.send(new PutCommand({ TableName: this.table, Item: feedEntryItem(state, writtenAtMs, this.shards) }));
  }
}
