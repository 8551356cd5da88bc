import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Revocation } from '../auth/revocation.js';
import { keys } from './keys.js';

export interface Profile {
  userId: string;
  email: string;
  name?: string;
  createdAt: string;
  /** Usage counters, kept by the photo library (one item, updated in the same transactions). */
  photoCount: number;
  bytes: number;
  quotaBytes: number;
}

const REVOCATION_TTL_SECONDS = 2 * 24 * 3600;

/** User profiles and token revocation: the user partition `USER#<id>`. */
export class UsersRepository {
  constructor(
    private readonly dynamo: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async getProfile(userId: string): Promise<Profile | undefined> {
    const { Item } = await this.dynamo.send(new GetCommand({ TableName: this.table, Key: keys.profile(userId) }));
    if (!Item) return undefined;
    const { PK: _pk, SK: _sk, ...profile } = Item;
    return profile as Profile;
  }

  /** Creates the profile unless it exists; true when this call created it. */
  async createProfile(profile: Profile): Promise<boolean> {
    try {
      await this.dynamo.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...keys.profile(profile.userId), ...profile },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async deleteUser(userId: string): Promise<void> {
    await this.dynamo.send(new DeleteCommand({ TableName: this.table, Key: keys.profile(userId) }));
  }

  /**
   * Tokens issued before `beforeSeconds`, and those issued in it that are not admitted later
   * (admitSession), stop working on every instance at once: the record is read with a strongly
   * consistent read on each authenticated request. Replaces any earlier revocation.
   */
  async revokeTokens(userId: string, beforeSeconds: number, options: { pendingSignOut?: string } = {}): Promise<void> {
    await this.dynamo.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          ...keys.tokenRevocation(userId),
          revokedBefore: beforeSeconds,
          revocationId: randomUUID(),
          ...(options.pendingSignOut ? { pendingSignOut: options.pendingSignOut } : {}),
          // Cognito access tokens live at most a day: after that the record has nothing left to refuse.
          ttl: beforeSeconds + REVOCATION_TTL_SECONDS,
        },
      }),
    );
  }

  async revocation(userId: string): Promise<Revocation | undefined> {
    const { Item } = await this.dynamo.send(
      new GetCommand({
        TableName: this.table,
        Key: keys.tokenRevocation(userId),
        ConsistentRead: true,
        ProjectionExpression: 'revokedBefore, revocationId, #sessions, pendingSignOut',
        ExpressionAttributeNames: { '#sessions': 'sessions' },
      }),
    );
    if (typeof Item?.revokedBefore !== 'number') return undefined;
    return {
      revokedBefore: Item.revokedBefore,
      ...(typeof Item.revocationId === 'string' ? { revocationId: Item.revocationId } : {}),
      sessions: Item.sessions instanceof Set ? [...(Item.sessions as Set<string>)] : [],
      ...(typeof Item.pendingSignOut === 'string' ? { pendingSignOut: Item.pendingSignOut } : {}),
    };
  }

  /**
   * Makes a session issued in the revoked second valid, unless the revocation it was checked
   * against has been replaced meanwhile (then false: that newer revocation may postdate it).
   */
  async admitSession(userId: string, revocationId: string, sessionId: string): Promise<boolean> {
    try {
      await this.dynamo.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.tokenRevocation(userId),
          UpdateExpression: 'ADD #sessions :session',
          ConditionExpression: 'revocationId = :revocation',
          ExpressionAttributeNames: { '#sessions': 'sessions' },
          ExpressionAttributeValues: { ':session': new Set([sessionId]), ':revocation': revocationId },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
