import { DescribeTableCommand, DynamoDBClient, GetItemCommand, QueryCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand as DocumentQueryCommand } from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall, type NativeAttributeValue } from '@aws-sdk/util-dynamodb';
import type { AppConfig } from '../config.js';
import { clientOptions, type HealthCheck } from './client-options.js';

/** An item as the document client gives it: attribute values as plain JavaScript values. */
type Item = Record<string, NativeAttributeValue>;

export interface ItemRead {
  TableName: string;
  Key: Item;
  ConsistentRead?: boolean;
  ProjectionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
}

export interface ItemsQuery {
  TableName: string;
  IndexName?: string;
  KeyConditionExpression: string;
  ExpressionAttributeValues?: Item;
  ExpressionAttributeNames?: Record<string, string>;
  ProjectionExpression?: string;
  ScanIndexForward?: boolean;
  Limit?: number;
  ExclusiveStartKey?: Item;
  ConsistentRead?: boolean;
}

/** The reads the hot routes make (a photo, a profile, a listing page), with plain objects in and out. */
export interface DynamoReads {
  get(input: ItemRead): Promise<Item | undefined>;
  query(input: ItemsQuery): Promise<{ items: Item[]; lastKey?: Item }>;
}

const readsOf = new WeakMap<DynamoDBDocumentClient, DynamoReads>();

/**
 * The document client every repository writes and reads with, and beside it (dynamoReads) a second
 * low-level client for the hot reads. The second one sets `cacheMiddleware`: the SDK then resolves a
 * command's middleware stack once per command type instead of on every call, about a quarter of an
 * SDK call's CPU here (bench/api-overhead.ts), but the document client refuses that option, so its
 * items are (un)marshalled with the SDK's util-dynamodb instead. Both share one request handler:
 * the same sockets and the same slots (src/aws/limits.ts), so the overload bounds hold for all calls.
 */
export function createDynamoClient(config: AppConfig): DynamoDBDocumentClient {
  const options = clientOptions(config, 'dynamodb');
  const document = DynamoDBDocumentClient.from(new DynamoDBClient(options), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  readsOf.set(document, cachedReads(new DynamoDBClient({ ...options, cacheMiddleware: true })));
  return document;
}

/** The hot-read client of `document` (createDynamoClient); one made elsewhere reads through itself. */
export function dynamoReads(document: DynamoDBDocumentClient): DynamoReads {
  let reads = readsOf.get(document);
  if (!reads) {
    reads = documentReads(document);
    readsOf.set(document, reads);
  }
  return reads;
}

const toAttributes = (item: Item | undefined): Record<string, AttributeValue> | undefined => (item ? marshall(item, { removeUndefinedValues: true }) : undefined);
const fromAttributes = (item: Record<string, AttributeValue>): Item => unmarshall(item);

function cachedReads(client: DynamoDBClient): DynamoReads {
  return {
    async get(input) {
      const { Item } = await client.send(new GetItemCommand({ ...input, Key: toAttributes(input.Key) }));
      return Item ? fromAttributes(Item) : undefined;
    },
    async query(input) {
      const result = await client.send(
        new QueryCommand({ ...input, ExpressionAttributeValues: toAttributes(input.ExpressionAttributeValues), ExclusiveStartKey: toAttributes(input.ExclusiveStartKey) }),
      );
      return { items: (result.Items ?? []).map(fromAttributes), lastKey: result.LastEvaluatedKey && fromAttributes(result.LastEvaluatedKey) };
    },
  };
}

function documentReads(document: DynamoDBDocumentClient): DynamoReads {
  return {
    async get(input) {
      return (await document.send(new GetCommand(input))).Item;
    },
    async query(input) {
      const result = await document.send(new DocumentQueryCommand(input));
      return { items: result.Items ?? [], lastKey: result.LastEvaluatedKey };
    },
  };
}

export function dynamoHealthCheck(client: DynamoDBDocumentClient, table: string): HealthCheck {
  return {
    name: 'dynamodb',
    async check(abortSignal) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: table }), { abortSignal });
      if (Table?.TableStatus !== 'ACTIVE' && Table?.TableStatus !== 'UPDATING') {
        throw new Error(`table ${table} is ${Table?.TableStatus ?? 'unknown'}`);
      }
    },
  };
}
