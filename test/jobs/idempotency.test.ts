import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamoClient } from '../../src/aws/dynamodb.js';
import { IdempotencyInProgressError, runOnce } from '../../src/jobs/idempotency.js';
import { localStack, testConfig } from '../helpers/stack.js';

let dynamo: DynamoDBDocumentClient;
let table: string;

beforeAll(() => {
  dynamo = createDynamoClient(testConfig());
  table = localStack().resources.table;
});

afterAll(() => {
  dynamo.destroy();
});

const uniqueKey = () => `test:${randomUUID()}`;

async function record(key: string): Promise<Record<string, unknown> | undefined> {
  const { Item } = await dynamo.send(new GetCommand({ TableName: table, Key: { PK: `IDEMPOTENCY#${key}`, SK: 'IDEMPOTENCY' }, ConsistentRead: true }));
  return Item;
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('runOnce', () => {
  it('runs the effect, marks the key done with a 30-day ttl, and returns the stored result afterwards', async () => {
    const key = uniqueKey();
    const effect = jest.fn(async () => ({ sent: true, messageId: 'm-1' }));

    await expect(runOnce(dynamo, table, key, effect)).resolves.toEqual({ ran: true, result: { sent: true, messageId: 'm-1' } });
    const item = await record(key);
    expect(item).toMatchObject({ status: 'done' });
    const days = ((item!.ttl as number) - Date.now() / 1000) / 86400;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThan(30.1);

    await expect(runOnce(dynamo, table, key, effect)).resolves.toEqual({ ran: false, result: { sent: true, messageId: 'm-1' } });
    expect(effect).toHaveBeenCalledTimes(1);
  });

  it('returns an undefined result as undefined both times', async () => {
    const key = uniqueKey();
    await expect(runOnce(dynamo, table, key, async () => undefined)).resolves.toEqual({ ran: true, result: undefined });
    await expect(runOnce(dynamo, table, key, async () => undefined)).resolves.toEqual({ ran: false, result: undefined });
  });

  it('releases the claim when the effect throws, so a retry runs it', async () => {
    const key = uniqueKey();
    await expect(
      runOnce(dynamo, table, key, async () => {
        throw new Error('provider down');
      }),
    ).rejects.toThrow('provider down');
    expect(await record(key)).toBeUndefined();

    await expect(runOnce(dynamo, table, key, async () => 'second try')).resolves.toEqual({ ran: true, result: 'second try' });
  });

  it('refuses a key claimed by a live attempt with IdempotencyInProgressError', async () => {
    const key = uniqueKey();
    const gate = deferred();
    const first = runOnce(dynamo, table, key, async () => {
      await gate.promise;
      return 1;
    });
    // Wait for the first claim to land.
    for (let i = 0; i < 100 && (await record(key)) === undefined; i++) await new Promise((r) => setTimeout(r, 20));

    const second = jest.fn(async () => 2);
    const error = await runOnce(dynamo, table, key, second).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdempotencyInProgressError);
    expect((error as IdempotencyInProgressError).leaseUntil).toBeGreaterThan(Date.now());
    expect(second).not.toHaveBeenCalled();

    gate.resolve();
    await expect(first).resolves.toEqual({ ran: true, result: 1 });
    await expect(runOnce(dynamo, table, key, second)).resolves.toEqual({ ran: false, result: 1 });
  });

  it('lets a later attempt take over a claim whose lease has expired (the holder died)', async () => {
    const key = uniqueKey();
    await dynamo.send(
      new PutCommand({
        TableName: table,
        Item: { PK: `IDEMPOTENCY#${key}`, SK: 'IDEMPOTENCY', status: 'claimed', owner: 'dead-process', leaseUntil: Date.now() - 1000 },
      }),
    );
    await expect(runOnce(dynamo, table, key, async () => 'recovered')).resolves.toEqual({ ran: true, result: 'recovered' });
    expect(await record(key)).toMatchObject({ status: 'done' });
  });

  it('never releases a claim that another attempt took over after its lease expired', async () => {
    const key = uniqueKey();
    const t0 = Date.now();
    const gate = deferred();
    const slow = runOnce(
      dynamo,
      table,
      key,
      async () => {
        await gate.promise;
        throw new Error('slow attempt failed');
      },
      { leaseSeconds: 1, now: () => t0 },
    );
    for (let i = 0; i < 100 && (await record(key)) === undefined; i++) await new Promise((r) => setTimeout(r, 20));

    const takeover = deferred();
    const later = runOnce(
      dynamo,
      table,
      key,
      async () => {
        await takeover.promise;
        return 'later';
      },
      { leaseSeconds: 300, now: () => t0 + 5000 },
    );
    for (let i = 0; i < 100 && (await record(key))?.leaseUntil !== t0 + 5000 + 300_000; i++) await new Promise((r) => setTimeout(r, 20));

    gate.resolve();
    await expect(slow).rejects.toThrow('slow attempt failed');
    expect(await record(key)).toMatchObject({ status: 'claimed', leaseUntil: t0 + 305_000 });
    takeover.resolve();
    await expect(later).resolves.toEqual({ ran: true, result: 'later' });
  });
});
