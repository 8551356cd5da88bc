import { randomUUID } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { RevocationState } from '../../src/auth/revocation-view.js';
import { createDynamoClient } from '../../src/aws/dynamodb.js';
import { feedEntryItem, RevocationFeed } from '../../src/data/revocation-feed.js';
import { testConfig } from '../helpers/stack.js';

/** The feed's reads on the local DynamoDB: across hour partitions and shards, page by page, from a time on. */
describe('revocation feed', () => {
  const config = testConfig();
  const dynamo = createDynamoClient(config);
  const table = config.resources.table!;
  afterAll(() => dynamo.destroy());

  // An hour boundary long ago, so that no other test's entries share these partitions' time range.
  const boundary = Date.UTC(2021, 0, 1, 11, 0, 0);
  const run = randomUUID().slice(0, 8);
  const state = (name: string, version = 1): RevocationState => ({
    userId: `${run}-${name}`,
    revokedBefore: Math.floor(boundary / 1000),
    revocationId: 'r',
    sessions: ['s-1'],
    version,
  });
  const write = (entry: RevocationState, writtenAt: number, shards: number) =>
    dynamo.send(new PutCommand({ TableName: table, Item: feedEntryItem(entry, writtenAt, shards) }));
  const ours = (states: RevocationState[]) => states.filter((s) => s.userId.startsWith(run)).map((s) => `${s.userId.slice(run.length + 1)}@${s.version}`);

  it('reads every entry written from a time on, across the hour boundary, every shard and page', async () => {
    const shards = 3;
    await write(state('too-early'), boundary - 5000, shards);
    await write(state('before-boundary'), boundary - 1500, shards);
    for (let i = 0; i < 6; i++) await write(state(`after-${i}`), boundary + 100 + i, shards);
    await write(state('after-0', 2), boundary + 200, shards);

    let queries = 0;
    dynamo.middlewareStack.add((next) => (args) => (queries++, next(args)), { step: 'initialize', name: 'countFeedQueries' });
    const feed = new RevocationFeed(dynamo, table, { shards, pageLimit: 2 });
    const read = await feed.readSince(boundary - 2000, boundary + 1000);
    dynamo.middlewareStack.remove('countFeedQueries');
    // Two hour partitions x three shards, and more pages than that: 8 entries, 2 to a page.
    expect(queries).toBeGreaterThan(2 * shards);
    expect(ours(read).sort()).toEqual(['after-0@1', 'after-0@2', 'after-1@1', 'after-2@1', 'after-3@1', 'after-4@1', 'after-5@1', 'before-boundary@1'].sort());
  });

  it('an entry keeps the whole state of the record it copies', async () => {
    const entry = { ...state('whole', 4), sessions: ['a', 'b'] };
    await write(entry, boundary + 3000, 1);
    const read = await new RevocationFeed(dynamo, table).readSince(boundary + 2500, boundary + 4000);
    expect(read.filter((s) => s.userId === entry.userId)).toEqual([entry]);
  });
});
