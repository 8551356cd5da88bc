import { randomUUID } from 'node:crypto';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { createDynamoClient } from '../../src/aws/dynamodb.js';
import { createSqsClient } from '../../src/aws/sqs.js';
import { ConsumerPool, JobTimeoutError, type ConsumerPoolOptions } from '../../src/jobs/consumer-pool.js';
import { runOnce } from '../../src/jobs/idempotency.js';
import { EnqueueBatchError, JobQueue, parseEnvelope, type JobEnvelope } from '../../src/jobs/job-queue.js';
import { MAX_RECEIVES } from '../../src/jobs/queue-policy.js';
import { JobRegistry } from '../../src/jobs/registry.js';
import { localStack, testConfig } from '../helpers/stack.js';
import { captureLogger, queueDepth, receiveAll, sleep, TestQueues, waitFor } from './helpers.js';

let sqs: SQSClient;
let dynamo: DynamoDBDocumentClient;
let queues: TestQueues;
const pools: ConsumerPool[] = [];

beforeAll(() => {
  const config = testConfig({ WORKER_WAIT_SECONDS: '1' });
  sqs = createSqsClient(config);
  dynamo = createDynamoClient(config);
  queues = new TestQueues(sqs);
});

afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.stop()));
});

afterAll(async () => {
  await queues.deleteAll();
  sqs.destroy();
  dynamo.destroy();
});

function startPool(registry: JobRegistry, queueUrl: string, options: Partial<ConsumerPoolOptions> = {}) {
  const logs = captureLogger();
  const pool = new ConsumerPool({
    sqs,
    queueUrl,
    registry,
    log: logs.log,
    concurrency: 4,
    waitSeconds: 1,
    visibilitySeconds: 2,
    retryBaseMs: 100,
    stopTimeoutMs: 5000,
    ...options,
  });
  pools.push(pool);
  pool.start();
  return { pool, logs };
}

describe('ConsumerPool', () => {
  it('delivers every job exactly once, deletes them, and never logs payloads', async () => {
    const { queueUrl } = await queues.create();
    const registry = new JobRegistry();
    const seen: number[] = [];
    registry.register('record', async (payload: { n: number; password: string }) => {
      seen.push(payload.n);
    });
    const queue = new JobQueue({ sqs, queueUrl, registry });
    const secret = `hunter2-${randomUUID()}`;
    // 20 jobs: 15 through one batch call (two SendMessageBatch chunks), 5 one by one.
    await queue.enqueueBatch(Array.from({ length: 15 }, (_, n) => ({ type: 'record', payload: { n, password: secret } })));
    for (let n = 15; n < 20; n++) await queue.enqueue('record', { n, password: secret });

    const { logs } = startPool(registry, queueUrl);
    await waitFor(() => seen.length >= 20, 10_000, '20 jobs');
    await waitFor(async () => (await queueDepth(sqs, queueUrl)) === 0, 5000, 'an empty queue');
    await sleep(500);
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, n) => n));
    expect(logs.lines.join('')).not.toContain(secret);
    const done = logs.entries().filter((entry) => entry.msg === 'job done');
    expect(done).toHaveLength(20);
    expect(done[0]).toMatchObject({ type: 'record', receiveCount: 1, durationMs: expect.any(Number) });
  });

  it('enqueueBatch names the entries SQS refused and sends the rest; bodies survive characters SQS forbids', async () => {
    const { queueUrl } = await queues.create(2, { MaximumMessageSize: '1024' });
    const queue = new JobQueue({ sqs, queueUrl });
    const entries = [
      { type: 'note', payload: { text: 'fine' }, jobId: 'ok-1' },
      { type: 'note', payload: { text: 'x'.repeat(2000) }, jobId: 'too-big' },
      { type: 'note', payload: { text: 'odd \uFFFF\uFFFE chars' }, jobId: 'ok-2' },
    ];
    const error = await queue.enqueueBatch(entries).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnqueueBatchError);
    expect((error as EnqueueBatchError).failed.map((f) => f.id)).toEqual(['too-big']);

    const received = (await receiveAll(sqs, queueUrl, 2, 5000)).map((message) => parseEnvelope(message.Body));
    expect(received.map((envelope) => envelope?.id).sort()).toEqual(['ok-1', 'ok-2']);
    expect(received.find((envelope) => envelope?.id === 'ok-2')?.payload).toEqual({ text: 'odd \uFFFF\uFFFE chars' });
  });

  it('retries a failing job with backoff until it succeeds, then deletes it', async () => {
    const { queueUrl, dlqUrl } = await queues.create();
    const registry = new JobRegistry();
    const receiveCounts: number[] = [];
    registry.register('flaky', async (_payload: unknown, ctx) => {
      receiveCounts.push(ctx.receiveCount);
      if (receiveCounts.length <= 2) throw new Error('transient');
    });
    await new JobQueue({ sqs, queueUrl }).enqueue('flaky', {}, { jobId: 'flaky-1' });
    startPool(registry, queueUrl, { concurrency: 2 });

    await waitFor(async () => receiveCounts.length >= 3 && (await queueDepth(sqs, queueUrl)) === 0, 10_000, 'the third attempt');
    await sleep(500);
    expect(receiveCounts).toEqual([1, 2, 3]);
    expect(await queueDepth(sqs, dlqUrl)).toBe(0);
  });

  it('aborts a job that passes its timeoutSeconds and retries it', async () => {
    const { queueUrl } = await queues.create();
    const registry = new JobRegistry();
    const reasons: unknown[] = [];
    let attempts = 0;
    registry.register(
      'hangs-once',
      (_payload: unknown, ctx) => {
        if (++attempts > 1) return Promise.resolve();
        return new Promise<void>((resolve) => {
          ctx.signal.addEventListener('abort', () => {
            reasons.push(ctx.signal.reason);
            resolve();
          });
        });
      },
      { timeoutSeconds: 1 },
    );
    await new JobQueue({ sqs, queueUrl }).enqueue('hangs-once', {});
    startPool(registry, queueUrl, { concurrency: 1 });

    await waitFor(async () => attempts >= 2 && (await queueDepth(sqs, queueUrl)) === 0, 8000, 'the retry');
    expect(attempts).toBe(2);
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toBeInstanceOf(JobTimeoutError);
  });

  it(`dead-letters a job that always fails after ${MAX_RECEIVES} receives`, async () => {
    const { queueUrl, dlqUrl } = await queues.create();
    const registry = new JobRegistry();
    let runs = 0;
    registry.register('doomed', async () => {
      runs++;
      throw new Error('permanent');
    });
    await new JobQueue({ sqs, queueUrl }).enqueue('doomed', { photoId: 'p1' }, { jobId: 'doomed-1' });
    const { logs } = startPool(registry, queueUrl, { concurrency: 2 });

    const [dead] = await receiveAll(sqs, dlqUrl, 1, 15_000);
    expect(parseEnvelope(dead?.Body)).toMatchObject({ v: 1, id: 'doomed-1', type: 'doomed', payload: { photoId: 'p1' } });
    expect(runs).toBe(MAX_RECEIVES);
    expect(await queueDepth(sqs, queueUrl)).toBe(0);
    const failures = logs.entries().filter((entry) => entry.msg === 'job failed');
    expect(failures.map((entry) => entry.receiveCount)).toEqual([1, 2, 3, 4, 5]);
    expect(failures.at(-1)).toMatchObject({ final: true });
  });

  it('sends garbage, unknown job types and invalid payloads to the DLQ without running a handler', async () => {
    const { queueUrl, dlqUrl } = await queues.create();
    const registry = new JobRegistry();
    const handler = jest.fn(async () => undefined);
    registry.register('strict', handler, { schema: z.object({ userId: z.string() }) });
    const envelope = (type: string, payload: unknown): string =>
      JSON.stringify({ v: 1, id: randomUUID(), type, payload, enqueuedAt: new Date().toISOString() } satisfies JobEnvelope);
    const bodies = ['this is not json', '{"v":2,"what":"a future format"}', envelope('nobody-handles-this', {}), envelope('strict', { userId: 42 })];
    for (const body of bodies) await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
    // The producer side refuses an invalid payload for a registered type.
    await expect(new JobQueue({ sqs, queueUrl, registry }).enqueue('strict', { userId: 42 })).rejects.toThrow(/invalid payload/);
    const { logs } = startPool(registry, queueUrl, { concurrency: 2 });

    const dead = await receiveAll(sqs, dlqUrl, bodies.length, 15_000);
    expect(dead.map((message) => message.Body).sort()).toEqual([...bodies].sort());
    expect(handler).not.toHaveBeenCalled();
    expect(await queueDepth(sqs, queueUrl)).toBe(0);
    const messages = logs.entries().map((entry) => entry.msg);
    expect(messages).toContain('job message is not a job envelope: leaving it for the DLQ');
    expect(messages).toContain('no handler registered for job type');
    expect(messages).toContain('job payload is invalid: leaving it for the DLQ');
  });

  it('extends the visibility of a job that outlasts the visibility timeout (no second delivery)', async () => {
    const { queueUrl } = await queues.create(2);
    const registry = new JobRegistry();
    let runs = 0;
    let finished = false;
    registry.register('slow', async () => {
      runs++;
      await sleep(5000);
      finished = true;
    });
    await new JobQueue({ sqs, queueUrl }).enqueue('slow', {});
    // A second idle worker would take the message if it ever became visible again.
    startPool(registry, queueUrl, { concurrency: 2, visibilitySeconds: 2 });

    await waitFor(() => finished, 10_000, 'the slow job');
    await sleep(1500);
    expect(runs).toBe(1);
    expect(await queueDepth(sqs, queueUrl)).toBe(0);
  });

  it('stop() waits for the in-flight job and takes no new jobs', async () => {
    const { queueUrl } = await queues.create();
    const registry = new JobRegistry();
    const handled: string[] = [];
    let started = false;
    registry.register('work', async (payload: { name: string }) => {
      started = true;
      await sleep(1500);
      handled.push(payload.name);
    });
    const queue = new JobQueue({ sqs, queueUrl });
    await queue.enqueue('work', { name: 'first' });
    const { pool } = startPool(registry, queueUrl, { concurrency: 1 });
    await waitFor(() => started, 5000, 'the first job to start');

    const stopping = pool.stop();
    await queue.enqueue('work', { name: 'second' });
    await stopping;
    expect(handled).toEqual(['first']);
    expect(pool.inFlight).toBe(0);
    await sleep(1500);
    expect(handled).toEqual(['first']);
    // Not taken: still queued (visible, or invisible if the aborted long poll had already claimed it).
    expect(await queueDepth(sqs, queueUrl)).toBe(1);
  });

  it('stop() aborts idle long polls at once and, past its timeout, aborts the handlers signal', async () => {
    const { queueUrl } = await queues.create();
    const registry = new JobRegistry();
    let aborted = false;
    registry.register('stubborn', (_payload: unknown, ctx) => {
      return new Promise<void>((_resolve, reject) => {
        ctx.signal.addEventListener('abort', () => {
          aborted = true;
          reject(new Error('aborted'));
        });
      });
    });
    // Its own queue: the server side of an aborted long poll may still claim the next message.
    const idle = startPool(registry, (await queues.create()).queueUrl, { concurrency: 3, waitSeconds: 20 }).pool;
    await sleep(300);
    let t0 = Date.now();
    await idle.stop();
    expect(Date.now() - t0).toBeLessThan(1000);

    await new JobQueue({ sqs, queueUrl }).enqueue('stubborn', {});
    const { pool } = startPool(registry, queueUrl, { concurrency: 1, stopTimeoutMs: 500 });
    await waitFor(() => pool.inFlight === 1, 5000, 'the job to start');
    t0 = Date.now();
    await pool.stop();
    expect(aborted).toBe(true);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(450);
    // Given back at once for another instance, not deleted.
    expect(await queueDepth(sqs, queueUrl)).toBe(1);
  });

  it('does nothing with concurrency 0, and survives receive errors', async () => {
    const { queueUrl } = await queues.create();
    const registry = new JobRegistry();
    const handler = jest.fn(async () => undefined);
    registry.register('any', handler);
    await new JobQueue({ sqs, queueUrl }).enqueue('any', {});
    const off = startPool(registry, queueUrl, { concurrency: 0 }).pool;

    const missing = `${queueUrl}-does-not-exist`;
    const { pool, logs } = startPool(registry, missing, { concurrency: 1 });
    await waitFor(() => logs.entries().some((entry) => entry.msg === 'job queue receive failed'), 5000, 'a receive error');
    await sleep(1200);
    expect(pool.running).toBe(true);
    expect(off.running).toBe(true);
    expect(handler).not.toHaveBeenCalled();
    expect(await queueDepth(sqs, queueUrl)).toBe(1);
    await Promise.all([off.stop(), pool.stop()]);
  });

  it('runs a side effect once when the same envelope is delivered twice', async () => {
    const { queueUrl, dlqUrl } = await queues.create();
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
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
    // 1 s backoff: the copy that finds the claim busy comes back after the first has finished.
    startPool(registry, queueUrl, { concurrency: 2, retryBaseMs: 1000 });

    await waitFor(async () => outcomes.length >= 2 && (await queueDepth(sqs, queueUrl)) === 0, 15_000, 'both copies');
    expect(charges).toBe(1);
    expect([...outcomes].sort()).toEqual([false, true]);
    expect(await queueDepth(sqs, dlqUrl)).toBe(0);
  });
});
