import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createDynamoClient, dynamoReads } from '../../src/aws/dynamodb.js';
import { clientLimit, DependencyBusyError } from '../../src/aws/limits.js';
import { LOCAL_CREDENTIALS } from '../../src/local/service.js';
import { testConfig } from '../helpers/stack.js';

/** Everything a photo record holds: strings, numbers, booleans, null, nested maps, lists, a set, Unicode. */
const richItem = (pk: string, i: number) => ({
  PK: pk,
  SK: `ITEM#${String(i).padStart(3, '0')}`,
  GSI1PK: `${pk}#LIST`,
  GSI1SK: `2026-01-${String(1 + (i % 28)).padStart(2, '0')}#${i}`,
  filename: `Été à Zürich ${i} 📷.jpg`,
  size: 1_048_576 + i,
  ratio: 1.5,
  ready: i % 2 === 0,
  nothing: null,
  exif: { make: 'Canon', iso: 400, nested: { lens: 'EF 50mm', apertures: [1.8, 2.8] } },
  tags: new Set(['a', 'b']),
  derivatives: [{ kind: 'thumbnail', width: 256 }],
});

describe('the hot reads (dynamoReads) give what the document client gives, on the same slots', () => {
  const config = testConfig({ AWS_MAX_CONCURRENCY: '2', AWS_MAX_QUEUED: '0' });
  const table = config.resources.table!;
  const document = createDynamoClient(config);
  const pk = `READS#${randomUUID()}`;

  beforeAll(async () => {
    for (let i = 0; i < 7; i++) await document.send(new PutCommand({ TableName: table, Item: richItem(pk, i) }));
  });
  afterAll(() => document.destroy());

  it('a GetItem: the same object, with or without a projection', async () => {
    const key = { PK: pk, SK: 'ITEM#003' };
    const viaDocument = (await document.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;
    expect(viaDocument).toMatchObject({ filename: 'Été à Zürich 3 📷.jpg' });
    expect(await dynamoReads(document).get({ TableName: table, Key: key, ConsistentRead: true })).toEqual(viaDocument);
    const projection = { ProjectionExpression: '#f, #e', ExpressionAttributeNames: { '#f': 'filename', '#e': 'exif' } };
    expect(await dynamoReads(document).get({ TableName: table, Key: key, ...projection })).toEqual(
      (await document.send(new GetCommand({ TableName: table, Key: key, ...projection }))).Item,
    );
    expect(await dynamoReads(document).get({ TableName: table, Key: { PK: pk, SK: 'ITEM#999' } })).toBeUndefined();
  });

  it('a Query page by page on GSI1: the same items and the same start keys', async () => {
    const query = { TableName: table, IndexName: 'GSI1', KeyConditionExpression: 'GSI1PK = :pk', ExpressionAttributeValues: { ':pk': `${pk}#LIST` }, ScanIndexForward: false, Limit: 3 };
    const pages: unknown[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const fast = await dynamoReads(document).query({ ...query, ExclusiveStartKey: startKey });
      const slow = await document.send(new QueryCommand({ ...query, ExclusiveStartKey: startKey }));
      expect(fast.items).toEqual(slow.Items);
      expect(fast.lastKey).toEqual(slow.LastEvaluatedKey);
      pages.push(...fast.items);
      startKey = fast.lastKey;
    } while (startKey);
    expect(pages).toHaveLength(7);
  });

  it('uses the document client\'s slots: with them all taken and no queue, a hot read is refused at once', async () => {
    const limit = clientLimit(document)!;
    const held = [await limit.acquire(), await limit.acquire()];
    try {
      await expect(dynamoReads(document).get({ TableName: table, Key: { PK: pk, SK: 'ITEM#001' } })).rejects.toBeInstanceOf(DependencyBusyError);
    } finally {
      for (const release of held) release();
    }
    await expect(dynamoReads(document).get({ TableName: table, Key: { PK: pk, SK: 'ITEM#001' } })).resolves.toMatchObject({ size: 1_048_577 });
  });

  it('a document client made elsewhere reads through itself', async () => {
    const other = DynamoDBDocumentClient.from(new DynamoDBClient({ region: config.region, endpoint: config.aws.endpoints.dynamodb, credentials: { ...LOCAL_CREDENTIALS } }));
    try {
      expect(await dynamoReads(other).get({ TableName: table, Key: { PK: pk, SK: 'ITEM#002' } })).toMatchObject({ tags: new Set(['a', 'b']), nothing: null });
    } finally {
      other.destroy();
    }
  });
});
