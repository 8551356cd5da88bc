import { randomUUID } from 'node:crypto';
import type { RevocationState } from '../../src/auth/revocation-view.js';
import { createDynamoClient } from '../../src/aws/dynamodb.js';
import { RevocationFeed } from '../../src/data/revocation-feed.js';
import { FEED_WRITE_DEADLINE_MS, UsersRepository } from '../../src/data/users.js';
import { testConfig } from '../helpers/stack.js';

/** Writes of the revocation record and its feed entries, on the local DynamoDB. */
describe('revocation writes', () => {
  const config = testConfig();
  const dynamo = createDynamoClient(config);
  const table = config.resources.table!;
  const feed = new RevocationFeed(dynamo, table);
  const heard: RevocationState[] = [];
  const users = new UsersRepository(dynamo, table, (state) => heard.push(state));
  afterAll(() => dynamo.destroy());

  const entriesOf = async (userId: string, sinceMs: number) => (await feed.readSince(sinceMs, Date.now())).filter((s) => s.userId === userId);

  it('each write puts the record and a feed entry with its whole state, and the writer hears it', async () => {
    const userId = randomUUID();
    const since = Date.now() - 1000;
    const second = Math.floor(Date.now() / 1000);
    const revoked = await users.revokeTokens(userId, second);
    const record = await users.revocation(userId);
    expect(record).toMatchObject({ revokedBefore: second, revocationId: revoked.revocationId, sessions: [], version: 1 });
    expect(await users.admitSession(userId, record!, 'session-1')).toBe(true);

    const entries = await entriesOf(userId, since);
    expect(entries).toEqual([revoked, { ...revoked, sessions: ['session-1'], version: 2 }]);
    expect(heard.filter((s) => s.userId === userId)).toEqual(entries);
    expect(await users.revocation(userId)).toMatchObject({ sessions: ['session-1'], version: 2 });
  });

  it('racing writes on one record all land, each on its own version; a revocation never moves back in time', async () => {
    const userId = randomUUID();
    const since = Date.now() - 1000;
    const second = Math.floor(Date.now() / 1000);
    await Promise.all([users.revokeTokens(userId, second), users.revokeTokens(userId, second - 5), users.revokeTokens(userId, second)]);
    const record = await users.revocation(userId);
    expect(record).toMatchObject({ revokedBefore: second, version: 3 });
    expect((await entriesOf(userId, since)).map((s) => s.version).sort()).toEqual([1, 2, 3]);

    // Two logins admitted in the same second at once: both sessions stay.
    const admitted = await Promise.all([users.admitSession(userId, record!, 'a'), users.admitSession(userId, record!, 'b')]);
    expect(admitted).toEqual([true, true]);
    expect((await users.revocation(userId))?.sessions.sort()).toEqual(['a', 'b']);
    // Checked against a revocation that has since been replaced: not admitted.
    await users.revokeTokens(userId, second);
    expect(await users.admitSession(userId, record!, 'c')).toBe(false);
  });

  it('a write slower than the deadline is published again with a fresh time, so no poll can pass it by', async () => {
    const slow = createDynamoClient(config);
    slow.middlewareStack.add(
      (next, context) => async (args) => {
        const answer = await next(args);
        if (/TransactWrite/.test(context.commandName ?? '')) await new Promise((r) => setTimeout(r, FEED_WRITE_DEADLINE_MS + 200));
        return answer;
      },
      { step: 'initialize', name: 'slowTransactions' },
    );
    try {
      const userId = randomUUID();
      const before = Date.now();
      await new UsersRepository(slow, table).revokeTokens(userId, Math.floor(before / 1000));
      // A poll that started after the transaction committed and looks back 3 s before it would miss
      // the first entry's time; the second entry is written after the slow call returned.
      const late = await entriesOf(userId, before + FEED_WRITE_DEADLINE_MS);
      expect(late).toHaveLength(1);
      expect((await entriesOf(userId, before - 1000)).length).toBe(2);
    } finally {
      slow.destroy();
    }
  });
});
