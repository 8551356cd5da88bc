import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys } from './keys.js';

export interface CounterWindow {
  /** Epoch seconds: start of the fixed window (part of the key). */
  start: number;
  /** Epoch seconds: when the window ends. */
  end: number;
}

/**
 * Counters stay a while after their window ends (handy when looking into an incident), then DynamoDB's
 * TTL deletes them. Correctness never depends on the deletion: each window has its own item.
 */
export const COUNTER_TTL_MARGIN_SECONDS = 3600;

/**
 * Adds one to the counter of (scope, subject) in the given window and returns the new count.
 * One atomic UpdateItem (`ADD`): concurrent callers in any number of processes each get a distinct
 * count, so the limit holds across every instance of the service. The item is created on first use.
 */
export async function incrementCounter(
  dynamo: DynamoDBDocumentClient,
  table: string,
  scope: string,
  subject: string,
  window: CounterWindow,
): Promise<number> {
  const { Attributes } = await dynamo.send(
    new UpdateCommand({
      TableName: table,
      Key: keys.rateLimit(scope, subject, window.start),
      UpdateExpression: 'ADD attempts :one SET #ttl = :ttl',
      ExpressionAttributeNames: { '#ttl': 'ttl' },
      ExpressionAttributeValues: { ':one': 1, ':ttl': window.end + COUNTER_TTL_MARGIN_SECONDS },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  const attempts: unknown = Attributes?.attempts;
  if (typeof attempts !== 'number') throw new Error(`rate limit counter ${scope} came back without a numeric count`);
  return attempts;
}
