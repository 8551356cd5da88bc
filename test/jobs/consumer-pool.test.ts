import { randomUUID } from 'node:crypto';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { createDynamoClient } from '../../src/aws/dynamodb.js';
import { runOnce } from '../../src/jobs/idempotency.js';
import { EnqueueBatchError, JobQueue, parseEnvelope, type JobEnvelope } from '../../src/jobs/job-queue.js';
import { MAX_RECEIVES } from '../../src/jobs/queue-policy.js';
import { JobRegistry } from '../../src/jobs/registry.js';
import { localStack, testConfig } from '../helpers/stack.js';
import { queueDepth, receiveAll, sleep, usePools, waitFor } from './helpers.js';

const pools = usePools();
const { startPool } = pools;
let dynamo: DynamoDBDocumentClient;

beforeAll(() => {
  dynamo = createDynamoClient(testConfig());
});

afterAll(() => {
  dynamo.destroy();
});

describe('ConsumerPool', () => {
  it('delivers every job exactly once, deletes them, and never logs payloads', async () => {
    const { queueUrl } = await pools.queues.create();
    const registry = new JobRegistry();
    const seen: number[] = [];
    registry.register('record', async (payload: { n: number; password: string }) => {
      seen.push(payload.n);
    });
    const queue = new JobQueue({ sqs: pools.sqs, queueUrl, registry });
    const secret = `hunter2-${randomUUID()}`;
    // 20 jobs: 15 through one batch call (two SendMessageBatch chunks), 5 one by one.
    await queue.enqueueBatch(Array.from({ length: 15 }, (_, n) => ({ type: 'record', payload: { n, password: secret } })));
    for (let n = 15; n < 20; n++) await queue.enqueue('record', { n, password: secret });

    const { logs } = startPool(registry, queueUrl);
    await waitFor(() => seen.length >= 20, 10_000, '20 jobs');
    await waitFor(async () => (await queueDepth(pools.sqs, queueUrl)) === 0, 5000, 'an empty queue');
    await sleep(500);
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, n) => n));
    expect(logs.lines.join('')).not.toContain(secret);
    const done = logs.entries().filter((entry) => entry.msg === 'job done');
    expect(done).toHaveLength(20);
    expect(done[0]).toMatchObject({ type: 'record', receiveCount: 1, durationMs: expect.any(Number) });
  });

  it('enqueueBatch names the entries SQS refused and sends the rest; bodies survive characters SQS forbids', async () => {
    const { queueUrl } = await pools.queues.create(2, { MaximumMessageSize: '1024' });
    const queue = new JobQueue({ sqs: pools.sqs, queueUrl });
    const entries = [
      { type: 'note', payload: { text: 'fine' }, jobId: 'ok-1' },
      { type: 'note', payload: { text: 'x'.repeat(2000) }, jobId: 'too-big' },
      { type: 'note', payload: { text: 'odd \uFFFF\uFFFE chars' }, jobId: 'ok-2' },
    ];
    const error = await queue.enqueueBatch(entries).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnqueueBatchError);
    expect((error as EnqueueBatchError).failed.map((f) => f.id)).toEqual(['too-big']);

    const received = (await receiveAll(pools.sqs, queueUrl, 2, 5000)).map((message) => parseEnvelope(message.Body));
    expect(received.map((envelope) => envelope?.id).sort()).toEqual(['ok-1', 'ok-2']);
    expect(received.find((envelope) => envelope?.id === 'ok-2')?.payload).toEqual({ text: 'odd \uFFFF\uFFFE chars' });
  });

  it('retries a failing job with backoff until it succeeds, then deletes it', async () => {
    const { queueUrl, dlqUrl } = await pools.queues.create();
    const registry = new JobRegistry();
    const receiveCounts: number[] = [];
    registry.register('flaky', async (_payload: unknown, ctx) => {
      receiveCounts.push(ctx.receiveCount);
      if (receiveCounts.length <= 2) throw new Error('transient');
    });
    await new JobQueue({ sqs: pools.sqs, queueUrl }).enqueue('flaky', {}, { jobId: 'flaky-1' });
    startPool(registry, queueUrl, { concurrency: 2 });

    await waitFor(async () => receiveCounts.length >= 3 && (await queueDepth(pools.sqs, queueUrl)) === 0, 10_000, 'the third attempt');
    await sleep(500);
    expect(receiveCounts).toEqual([1, 2, 3]);
    expect(await queueDepth(pools.sqs, dlqUrl)).toBe(0);
  });

  it(`dead-letters a job that always fails after ${MAX_RECEIVES} receives`, async () => {
    const { queueUrl, dlqUrl } = await pools.queues.create();
    const registry = new JobRegistry();
    let runs = 0;
    registry.register('doomed', async () => {
      runs++;
      throw new Error('permanent');
    });
    await new JobQueue({ sqs: pools.sqs, queueUrl }).enqueue('doomed', { photoId: 'p1' }, { jobId: 'doomed-1' });
    const { logs } = startPool(registry, queueUrl, { concurrency: 2 });

    const [dead] = await receiveAll(pools.sqs, dlqUrl, 1, 15_000);
    expect(parseEnvelope(dead?.Body)).toMatchObject({ v: 1, id: 'doomed-1', type: 'doomed', payload: { photoId: 'p1' } });
    expect(runs).toBe(MAX_RECEIVES);
    expect(await queueDepth(pools.sqs, queueUrl)).toBe(0);
    const failures = logs.entries().filter((entry) => entry.msg === 'job failed');
    expect(failures.map((entry) => entry.receiveCount)).toEqual(Array.from({ length: MAX_RECEIVES }, (_, i) => i + 1));
    expect(failures.at(-1)).toMatchObject({ final: true });
  });

  it('sends garbage, unknown job types and invalid payloads to the DLQ without running a handler', async () => {
    const { queueUrl, dlqUrl } = await pools.queues.create();
    const registry = new JobRegistry();
    const handler = jest.fn(async () => undefined);
    registry.register('strict', handler, { schema: z.object({ userId: z.string() }) });
    const envelope = (type: string, payload: unknown): string =>
      JSON.stringify({ v: 1, id: randomUUID(), type, payload, enqueuedAt: new Date().toISOString() } satisfies JobEnvelope);
    const bodies = ['this is not json', '{"v":2,"what":"a future format"}', envelope('nobody-handles-this', {}), envelope('strict', { userId: 42 })];
    for (const body of bodies) await pools.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
    // The producer side refuses an invalid payload for a registered type.
    await expect(new JobQueue({ sqs: pools.sqs, queueUrl, registry }).enqueue('strict', { userId: 42 })).rejects.toThrow(/invalid payload/);
    const { logs } = startPool(registry, queueUrl, { concurrency: 2 });

    const dead = await receiveAll(pools.sqs, dlqUrl, bodies.length, 15_000);
    expect(dead.map((message) => message.Body).sort()).toEqual([...bodies].sort());
    expect(handler).not.toHaveBeenCalled();
    expect(await queueDepth(pools.sqs, queueUrl)).toBe(0);
    const messages = logs.entries().map((entry) => entry.msg);
    expect(messages).toContain('job message is not a job envelope: leaving it for the DLQ');
    expect(messages).toContain('no handler registered for job type');
    expect(messages).toContain('job payload is invalid: leaving it for the DLQ');
  });

  it('runs a side effect once when the same envelope is delivered twice', async () => {
    const { queueUrl, dlqUrl } = await pools.queues.create();
    const { table } = localStack().resources;
    const registry = new JobRegistry();
    let charges = 0;
    const outcomes: boolean[] = [];
    registry.register('charge', async (_payload: { amount: number }, ctx) => {
      const { ran } = await runOnce(dynamo, table, ctx.jobId, async () => {
        await sleep(300);
        charges++;
        return { chargeId: 'ch_1' };
      });
      outcomes.push(ran);
    });
    const envelope = { v: 1, id: `charge:${randomUUID()}`, type: 'charge', payload: { amount: 5 }, enqueuedAt: new Date().toISOString() };
    const body = JSON.stringify(envelope);
    await pools.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
    await pools.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
    // 1 s backoff: the copy that finds the claim busy comes back after the first has finished.
    startPool(registry, queueUrl, { concurrency: 2, retryBaseMs: 1000 });

    await waitFor(async () => outcomes.length >= 2 && (await queueDepth(pools.sqs, queueUrl)) === 0, 15_000, 'both copies');
    expect(charges).toBe(1);
    expect([...outcomes].sort()).toEqual([false, true]);
    expect(await queueDepth(pools.sqs, dlqUrl)).toBe(0);
  });
});
