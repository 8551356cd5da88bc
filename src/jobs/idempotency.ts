import { keys } from '../data/keys.js';
import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * A claim's default lease: above an effect's worst case (one AWS call within its budget, AWS_MAX_ATTEMPTS x
 * AWS_REQUEST_TIMEOUT_MS plus a wait for a client slot: under 45 s with the defaults) and at most the job
 * visibility timeout (60 s), so the first redelivery after a process died inside an effect takes the claim over.
 * A longer lease outlived the job's receives (the last comes ~210 s after the first) and sent the job to the DLQ
 * with its effect never done (test/reliability/jobs.test.ts).
 */
export const DEFAULT_LEASE_SECONDS = 60;

export interface RunOnceOptions {
  /** How long a claim holds before another attempt may take it over (the effect's worst-case run time, plus margin). */
  leaseSeconds?: number;
  /** Epoch milliseconds; tests move time with it. */
  now?: () => number;
}

export interface RunOnceResult<T> {
  /** false: an earlier attempt already ran the effect, and `result` is what it stored. */
  ran: boolean;
  result: T;
}

/**
 * Another attempt holds a live claim on the key. Retryable: thrown from a job handler it makes
 * SQS deliver the job again later, when the other attempt has finished (done) or died (lease over).
 */
export class IdempotencyInProgressError extends Error {
  constructor(
    readonly key: string,
    readonly leaseUntil: number,
  ) {
    super(`idempotency key ${key} is being processed by another attempt (lease until ${new Date(leaseUntil).toISOString()})`);
    this.name = 'IdempotencyInProgressError';
  }
}

/** Done records stay long enough to absorb any redelivery (SQS keeps messages 14 days at most). */
const RECORD_TTL_SECONDS = 30 * 24 * 3600;

const keyOf = keys.idempotency;
const epochSeconds = (ms: number) => Math.floor(ms / 1000);

/**
 * Runs `effect` at most once per `key` across processes, using one item in the single table:
 *
 * 1. A conditional put claims the key (status `claimed`, a lease of leaseSeconds), allowed only when
 *    there is no record or the previous claim's lease has run out.
 * 2. The effect runs.
 * 3. The record becomes `done`, with the effect's result (JSON, keep it small: the item limit is
 *    400 KB) and a `ttl` 30 days out.
 *
 * Guarantees: a `done` key never runs again (`{ ran: false, result }` comes back instead). While a
 * claim is live, other callers get IdempotencyInProgressError. If the effect throws, the claim is
 * deleted so a retry runs it again. The effect runs exactly once unless a process dies (or loses
 * DynamoDB) between the effect finishing and the `done` write: then the claim stays until its lease
 * runs out and a later attempt runs the effect again. So the lease must outlast the effect, and
 * effects that cannot afford even that window need their own idempotency (e.g. a provider's
 * idempotency key derived from the same `key`).
 */
export async function runOnce<T>(
  dynamo: DynamoDBDocumentClient,
  table: string,
  key: string,
  effect: () => Promise<T>,
  options: RunOnceOptions = {},
): Promise<RunOnceResult<T>> {
  const leaseSeconds = options.leaseSeconds ?? DEFAULT_LEASE_SECONDS;
  const now = options.now ?? Date.now;
  const Key = keyOf(key);
  // Our claim's identity: the release on failure must never delete a claim someone else took over.
  const owner = randomUUID();
  const claimedAt = now();

  try {
    await dynamo.send(
      new PutCommand({
        TableName: table,
        Item: { ...Key, status: 'claimed', owner, leaseUntil: claimedAt + leaseSeconds * 1000, ttl: epochSeconds(claimedAt) + RECORD_TTL_SECONDS },
        ConditionExpression: 'attribute_not_exists(PK) OR (#status = :claimed AND leaseUntil < :now)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':claimed': 'claimed', ':now': claimedAt },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const existing = await existingRecord(dynamo, table, key, error);
    if (existing?.status === 'done') return { ran: false, result: decode<T>(existing.result) };
    // No record any more means the holder's effect failed just now: retrying later will claim it.
    throw new IdempotencyInProgressError(key, existing?.leaseUntil ?? claimedAt);
  }

  let result: T;
  try {
    result = await effect();
  } catch (error) {
    await dynamo
      .send(
        new DeleteCommand({
          TableName: table,
          Key,
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': owner },
        }),
      )
      // Best effort: if the release fails, the lease expiry frees the key instead.
      .catch(() => undefined);
    throw error;
  }

  // Unconditional: the effect did happen, even if a lease takeover raced us.
  const doneAt = now();
  await dynamo.send(
    new PutCommand({
      TableName: table,
      Item: { ...Key, status: 'done', owner, doneAt, result: JSON.stringify(result), ttl: epochSeconds(doneAt) + RECORD_TTL_SECONDS },
    }),
  );
  return { ran: true, result };
}

interface ExistingRecord {
  status?: string;
  leaseUntil?: number;
  result?: string;
}

async function existingRecord(
  dynamo: DynamoDBDocumentClient,
  table: string,
  key: string,
  failure: ConditionalCheckFailedException,
): Promise<ExistingRecord | undefined> {
  // The failed put returns the old item in low-level AttributeValue form (the document client does not unmarshall errors).
  const item = failure.Item;
  if (item) {
    const leaseUntil = item.leaseUntil?.N;
    return { status: item.status?.S, leaseUntil: leaseUntil === undefined ? undefined : Number(leaseUntil), result: item.result?.S };
  }
  const { Item } = await dynamo.send(new GetCommand({ TableName: table, Key: keyOf(key), ConsistentRead: true }));
  return Item as ExistingRecord | undefined;
}

function decode<T>(result: string | undefined): T {
  return (result === undefined ? undefined : JSON.parse(result)) as T;
}
