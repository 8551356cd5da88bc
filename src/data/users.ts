import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DeleteCommand, GetCommand, PutCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Revocation } from '../auth/revocation.js';
import type { RevocationState } from '../auth/revocation-view.js';
import { dynamoReads } from '../aws/dynamodb.js';
import { keys } from './keys.js';
import { feedEntryItem, RevocationFeed } from './revocation-feed.js';

type TransactWriteItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

export interface Profile {
  userId: string;
  email: string;
  name?: string;
  createdAt: string;
  /** Usage counters, kept by the photo library (one item, updated in the same transactions). */
  photoCount: number;
  bytes: number;
  quotaBytes: number;
  /**
   * Set once the account-by-email item (sharing by email) was written for this profile: profiles created
   * before it existed get it on their next login or GET /v1/me, once.
   */
  emailIndexed?: boolean;
}

/** Who a user is to another user (the members of a shared album). */
export type PublicProfile = Pick<Profile, 'userId' | 'email' | 'name'>;

/** A cancelled transaction's reason codes, by item index; undefined for any other error. */
const cancelledCodes = (error: unknown) => (error instanceof TransactionCanceledException ? (error.CancellationReasons ?? []).map((r) => r.Code) : undefined);

const REVOCATION_TTL_SECONDS = 2 * 24 * 3600;

/**
 * Polls look back this far before their previous query (plus clock skew) for entries written
 * while it ran (src/auth/revocation-sync.ts): a feed write must be done within it.
 */
export const FEED_WRITE_DEADLINE_MS = 2000;

/** Writes racing on one user's record (a logout beside a login) are retried this often. */
const MAX_WRITE_ATTEMPTS = 5;

/** Every revocation record write conditions on the version it read: the feed orders states by it. */
function versionCondition(version: number) {
  return {
    ConditionExpression: version === 0 ? 'attribute_not_exists(#version)' : '#version = :version',
    ExpressionAttributeNames: { '#version': 'version' },
    // DynamoDB refuses an empty map of values.
    ...(version === 0 ? {} : { ExpressionAttributeValues: { ':version': version } }),
  };
}

/** User profiles and token revocation: the user partition `USER#<id>` (and the revocation feed, written with it). */
export class UsersRepository {
  private readonly feed: RevocationFeed;

  /** `onRevocation` hears every revocation this process wrote, once it is durable (the local view takes it at once). */
  constructor(
    private readonly dynamo: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly onRevocation?: (state: RevocationState) => void,
  ) {
    this.feed = new RevocationFeed(dynamo, table);
  }

  async getProfile(userId: string): Promise<Profile | undefined> {
    const item = await dynamoReads(this.dynamo).get({ TableName: this.table, Key: keys.profile(userId) });
    if (!item) return undefined;
    const { PK: _pk, SK: _sk, ...profile } = item;
    return profile as Profile;
  }

  /**
   * Creates the profile unless it exists, in one transaction with the account-by-email item (both
   * conditional); true when this call created the profile. The email item goes to the newest profile
   * with that address (an account deleted and signed up again): when a newer one already holds it,
   * the profile is created alone.
   */
  async createProfile(profile: Profile): Promise<boolean> {
    const profilePut = {
      TableName: this.table,
      Item: { ...keys.profile(profile.userId), ...profile, emailIndexed: true },
      ConditionExpression: 'attribute_not_exists(PK)',
    };
    try {
      await this.dynamo.send(new TransactWriteCommand({ TransactItems: [{ Put: profilePut }, { Put: this.emailItemPut(profile) }] }));
      return true;
    } catch (error) {
      const codes = cancelledCodes(error);
      if (!codes) throw error;
      if (codes[0] === 'ConditionalCheckFailed') return false;
      if (codes[1] !== 'ConditionalCheckFailed') throw error;
    }
    try {
      await this.dynamo.send(new PutCommand(profilePut));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /**
   * Backfills the account-by-email item of a profile created before it existed (read on login and
   * GET /v1/me: `emailIndexed` unset), and marks the profile so it happens once.
   */
  async indexEmail(profile: Profile): Promise<void> {
    const mark = {
      TableName: this.table,
      Key: keys.profile(profile.userId),
      UpdateExpression: 'SET emailIndexed = :yes',
      ConditionExpression: 'attribute_exists(PK)',
      ExpressionAttributeValues: { ':yes': true },
    };
    try {
      await this.dynamo.send(new TransactWriteCommand({ TransactItems: [{ Update: mark }, { Put: this.emailItemPut(profile) }] }));
      return;
    } catch (error) {
      const codes = cancelledCodes(error);
      // The profile went meanwhile (account deletion): nothing to index.
      if (codes?.[0] === 'ConditionalCheckFailed') return;
      if (codes?.[1] !== 'ConditionalCheckFailed') throw error;
    }
    // A newer account holds the address: this profile only needs its mark.
    try {
      await this.dynamo.send(new UpdateCommand(mark));
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /** The user registered with `email` (any case), if any: one GetItem of the account-by-email item. */
  async findUserIdByEmail(email: string): Promise<string | undefined> {
    const item = await dynamoReads(this.dynamo).get({ TableName: this.table, Key: keys.accountByEmail(email), ConsistentRead: true });
    return typeof item?.userId === 'string' ? item.userId : undefined;
  }

  /** The profiles of these users that exist (BatchGetItem, 100 keys a call), as others see them. */
  async getPublicProfiles(userIds: string[]): Promise<Map<string, PublicProfile>> {
    const found = new Map<string, PublicProfile>();
    const unique = [...new Set(userIds)];
    for (let start = 0; start < unique.length; start += 100) {
      let pending: Record<string, unknown>[] = unique.slice(start, start + 100).map((id) => keys.profile(id));
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt === 5) throw new Error('profiles could not be read (keys left unprocessed)');
        const answer = await this.dynamo.send(
          new BatchGetCommand({
            RequestItems: { [this.table]: { Keys: pending, ProjectionExpression: 'userId, email, #name', ExpressionAttributeNames: { '#name': 'name' } } },
          }),
        );
        for (const item of answer.Responses?.[this.table] ?? []) {
          const { userId, email, name } = item as PublicProfile;
          found.set(userId, { userId, email, ...(name ? { name } : {}) });
        }
        pending = (answer.UnprocessedKeys?.[this.table]?.Keys as Record<string, unknown>[] | undefined) ?? [];
      }
    }
    return found;
  }

  /**
   * Deletes the profile and, first, its account-by-email item unless a newer account holds the
   * address now: a crash in between leaves the profile, so the caller's retry does both again.
   */
  async deleteUser(userId: string): Promise<void> {
    await this.forgetEmail(userId);
    await this.dynamo.send(new DeleteCommand({ TableName: this.table, Key: keys.profile(userId) }));
  }

  /**
   * Deletes the user's account-by-email item unless a newer account holds the address: the user can
   * no longer be found by email. Idempotent; the profile stays.
   */
  async forgetEmail(userId: string): Promise<void> {
    const { Item } = await this.dynamo.send(
      new GetCommand({ TableName: this.table, Key: keys.profile(userId), ConsistentRead: true, ProjectionExpression: 'email' }),
    );
    if (typeof Item?.email !== 'string') return;
    try {
      await this.dynamo.send(
        new DeleteCommand({
          TableName: this.table,
          Key: keys.accountByEmail(Item.email),
          ConditionExpression: 'userId = :me',
          ExpressionAttributeValues: { ':me': userId },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /** The account-by-email item of `profile`, unless a newer profile holds the address. */
  private emailItemPut(profile: Profile) {
    return {
      TableName: this.table,
      Item: { ...keys.accountByEmail(profile.email), userId: profile.userId, createdAt: profile.createdAt },
      ConditionExpression: 'attribute_not_exists(PK) OR userId = :me OR createdAt < :createdAt',
      ExpressionAttributeValues: { ':me': profile.userId, ':createdAt': profile.createdAt },
    };
  }

  /**
   * Tokens issued before `beforeSeconds`, and those issued in it that are not admitted later
   * (admitSession), stop working: at once on this instance, within about two seconds on every other
   * (they follow the revocation feed). Replaces any earlier revocation; never moves it back in time.
   */
  async revokeTokens(userId: string, beforeSeconds: number, options: { pendingSignOut?: string } = {}): Promise<RevocationState> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.revocation(userId);
      const state: RevocationState = {
        userId,
        // Another instance's clock may be a little ahead: a revocation only ever moves forward.
        revokedBefore: Math.max(beforeSeconds, current?.revokedBefore ?? 0),
        revocationId: randomUUID(),
        sessions: [],
        version: (current?.version ?? 0) + 1,
      };
      const record = {
        TableName: this.table,
        Item: {
          ...keys.tokenRevocation(userId),
          revokedBefore: state.revokedBefore,
          revocationId: state.revocationId,
          version: state.version,
          ...(options.pendingSignOut ? { pendingSignOut: options.pendingSignOut } : {}),
          // Cognito access tokens live at most a day: after that the record has nothing left to refuse.
          ttl: state.revokedBefore + REVOCATION_TTL_SECONDS,
        },
        ...versionCondition(current?.version ?? 0),
      };
      if (await this.writeWithFeedEntry(state, { Put: record }, attempt)) return state;
    }
  }

  /**
   * The record as it stands (strongly consistent): what the login flow decides on, what an
   * instance asks when its view cannot decide (src/auth/token-verifier.ts).
   */
  async revocation(userId: string): Promise<Revocation | undefined> {
    const { Item } = await this.dynamo.send(
      new GetCommand({
        TableName: this.table,
        Key: keys.tokenRevocation(userId),
        ConsistentRead: true,
        ProjectionExpression: 'revokedBefore, revocationId, #sessions, pendingSignOut, #version',
        ExpressionAttributeNames: { '#sessions': 'sessions', '#version': 'version' },
      }),
    );
    if (typeof Item?.revokedBefore !== 'number') return undefined;
    return {
      revokedBefore: Item.revokedBefore,
      ...(typeof Item.revocationId === 'string' ? { revocationId: Item.revocationId } : {}),
      sessions: Item.sessions instanceof Set ? [...(Item.sessions as Set<string>)] : [],
      ...(typeof Item.pendingSignOut === 'string' ? { pendingSignOut: Item.pendingSignOut } : {}),
      // Records written before the feed existed have no version: they count as version 0.
      version: typeof Item.version === 'number' ? Item.version : 0,
    };
  }

  /**
   * Makes a session issued in the revoked second valid, unless the revocation it was checked
   * against (`seen`, as read) has been replaced meanwhile (then false: that newer revocation may
   * postdate it). Sessions admitted at the same time by other logins are kept.
   */
  async admitSession(userId: string, seen: Revocation, session: string): Promise<boolean> {
    let current: Revocation | undefined = seen;
    for (let attempt = 1; ; attempt++) {
      if (!current || seen.revocationId === undefined || current.revocationId !== seen.revocationId) return false;
      if (current.sessions.includes(session)) return true;
      const state: RevocationState = {
        userId,
        revokedBefore: current.revokedBefore,
        revocationId: seen.revocationId,
        sessions: [...current.sessions, session],
        version: (current.version ?? 0) + 1,
      };
      const condition = versionCondition(current.version ?? 0);
      const update = {
        TableName: this.table,
        Key: keys.tokenRevocation(userId),
        UpdateExpression: 'ADD #sessions :session SET #version = :next',
        ConditionExpression: `revocationId = :revocation AND (${condition.ConditionExpression})`,
        ExpressionAttributeNames: { '#sessions': 'sessions', ...condition.ExpressionAttributeNames },
        ExpressionAttributeValues: {
          ':session': new Set([session]),
          ':revocation': seen.revocationId,
          ':next': state.version,
          ...condition.ExpressionAttributeValues,
        },
      };
      if (await this.writeWithFeedEntry(state, { Update: update }, attempt)) return true;
      current = await this.revocation(userId);
    }
  }

  /**
   * One transaction: the record and its feed entry, so no write of the record can miss the feed.
   * False when the record changed since it was read (the caller reads again). A write that took
   * longer than FEED_WRITE_DEADLINE_MS is published again, so that polls, which look back only that
   * far (plus clock skew) before their previous query, cannot have passed it by.
   */
  private async writeWithFeedEntry(state: RevocationState, recordWrite: TransactWriteItem, attempt: number): Promise<boolean> {
    let writtenAt = Date.now();
    try {
      await this.dynamo.send(
        new TransactWriteCommand({ TransactItems: [recordWrite, { Put: { TableName: this.table, Item: feedEntryItem(state, writtenAt) } }] }),
      );
    } catch (error) {
      const reasons = error instanceof TransactionCanceledException ? (error.CancellationReasons ?? []) : [];
      const changed = reasons.some((r) => r.Code === 'ConditionalCheckFailed' || r.Code === 'TransactionConflict');
      if (changed && attempt < MAX_WRITE_ATTEMPTS) return false;
      throw error;
    }
    for (let republished = 0; Date.now() - writtenAt > FEED_WRITE_DEADLINE_MS; republished++) {
      if (republished === MAX_WRITE_ATTEMPTS) throw new Error('the revocation feed entry could not be written in time');
      writtenAt = Date.now();
      await this.feed.republish(state, writtenAt);
    }
    this.onRevocation?.(state);
    return true;
  }
}
