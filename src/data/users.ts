import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
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
   * Tokens issued at or before `beforeSeconds` stop working on every instance at once: the
   * record is read with a strongly consistent read on each authenticated request.
   */
  async revokeTokens(userId: string, beforeSeconds: number): Promise<void> {
    await this.dynamo.send(
      new PutCommand({
        TableName: this.table,
        // Cognito access tokens live at most a day: after that the record has nothing left to refuse.
        Item: { ...keys.tokenRevocation(userId), revokedBefore: beforeSeconds, ttl: beforeSeconds + REVOCATION_TTL_SECONDS },
      }),
    );
  }

  async revokedBefore(userId: string): Promise<number | undefined> {
    const { Item } = await this.dynamo.send(
      new GetCommand({
        TableName: this.table,
        Key: keys.tokenRevocation(userId),
        ConsistentRead: true,
        ProjectionExpression: 'revokedBefore',
      }),
    );
    return typeof Item?.revokedBefore === 'number' ? Item.revokedBefore : undefined;
  }
}
