import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { createSqsClient } from '../../src/aws/sqs.js';
import { ConsumerPool, JobTimeoutError } from '../../src/jobs/consumer-pool.js';
import { JobQueue } from '../../src/jobs/job-queue.js';
import { JobRegistry } from '../../src/jobs/registry.js';
import { freePort } from '../../src/local/ports.js';
import { testConfig } from '../helpers/stack.js';
import { captureLogger, queueDepth, receiveAll, sleep, usePools, waitFor } from './helpers.js';

const pools = usePools();
const { startPool } = pools;

describe('ConsumerPool lifecycle', () => {
  it('extends the visibility of a job that outlasts the visibility timeout (no second delivery)', async () => {
    const { queueUrl } = await pools.queues.create(2);
    const registry = new JobRegistry();
    let runs = 0;
    let finished = false;
    registry.register('slow', async () => {
      runs++;
      await sleep(5000);
      finished = true;
    });
    await new JobQueue({ sqs: pools.sqs, queueUrl }).enqueue('slow', {});
    // A second idle worker would take the message if it ever became visible again.
    startPool(registry, queueUrl, { concurrency: 2, visibilitySeconds: 2 });

    await waitFor(() => finished, 10_000, 'the slow job');
    await sleep(1500);
    expect(runs).toBe(1);
    expect(await queueDepth(pools.sqs, queueUrl)).toBe(0);
  });

  it('aborts a job that passes its timeoutSeconds and retries it', async () => {
    const { queueUrl } = await pools.queues.create();
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
    await new JobQueue({ sqs: pools.sqs, queueUrl }).enqueue('hangs-once', {});
    startPool(registry, queueUrl, { concurrency: 1 });

    await waitFor(async () => attempts >= 2 && (await queueDepth(pools.sqs, queueUrl)) === 0, 8000, 'the retry');
    expect(attempts).toBe(2);
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toBeInstanceOf(JobTimeoutError);
  });

  it('gives a timed-out job back only once its handler has stopped: the retry never overlaps the old attempt', async () => {
    const { queueUrl } = await pools.queues.create();
    const registry = new JobRegistry();
    const events: string[] = [];
    let attempts = 0;
    registry.register(
      'winds-down',
      (_payload: unknown, ctx) => {
        const attempt = ++attempts;
        events.push(`start ${attempt}`);
        if (attempt > 1) return Promise.resolve();
        // Like a decoder being killed and reaped: the handler settles some time after its signal aborts.
        return new Promise<void>((_resolve, reject) => {
          ctx.signal.addEventListener('abort', () => {
            events.push('aborted 1');
            setTimeout(() => {
              events.push('settled 1');
              reject(ctx.signal.reason);
            }, 800);
          });
        });
      },
      { timeoutSeconds: 1 },
    );
    await new JobQueue({ sqs: pools.sqs, queueUrl }).enqueue('winds-down', {});
    // retryBaseMs 100: the retry delay rounds to 0 s, so only the wait for the handler can order the two attempts.
    startPool(registry, queueUrl, { concurrency: 2 });

    await waitFor(async () => attempts >= 2 && (await queueDepth(pools.sqs, queueUrl)) === 0, 10_000, 'the retry');
    expect(events).toEqual(['start 1', 'aborted 1', 'settled 1', 'start 2']);
  });

  it('stop() waits for the in-flight job and takes no new jobs', async () => {
    const { queueUrl } = await pools.queues.create();
    const registry = new JobRegistry();
    const handled: string[] = [];
    let started = false;
    registry.register('work', async (payload: { name: string }) => {
      started = true;
      await sleep(1500);
      handled.push(payload.name);
    });
    const queue = new JobQueue({ sqs: pools.sqs, queueUrl });
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
    expect(await queueDepth(pools.sqs, queueUrl)).toBe(1);
  });

  it('stop() lets a running long poll end by itself: a message sent meanwhile is not lost for its visibility timeout', async () => {
    // A claimed message would stay invisible 30 s; the poll lasts 3 s.
    const { queueUrl } = await pools.queues.create(30);
    const registry = new JobRegistry();
    const handler = jest.fn(async () => undefined);
    registry.register('late', handler);
    const send = jest.spyOn(pools.sqs, 'send');
    try {
      const polls = () => send.mock.calls.filter(([command]) => command instanceof ReceiveMessageCommand).length;
      const { pool } = startPool(registry, queueUrl, { concurrency: 1, waitSeconds: 3, visibilitySeconds: 30 });
      await waitFor(() => polls() === 1, 5000, 'the long poll');
      // Until the poll has reached the server (a socket on loopback: milliseconds).
      await sleep(300);

      const t0 = Date.now();
      const stopping = pool.stop();
      await new JobQueue({ sqs: pools.sqs, queueUrl }).enqueue('late', {});
      await stopping;
      // Bounded by the poll's own length (plus a loaded machine's margin), never by the visibility timeout.
      expect(Date.now() - t0).toBeLessThan(3000 + 2000);
      expect(handler).not.toHaveBeenCalled();
      // Either never taken, or taken by the ending poll and given straight back: visible now, not in 30 s.
      const visible = await receiveAll(pools.sqs, queueUrl, 1, 2000);
      expect(visible).toHaveLength(1);
    } finally {
      send.mockRestore();
    }
  });

  it('stop() aborts a job that outlasts its timeout through its signal and gives its message back', async () => {
    const { queueUrl } = await pools.queues.create();
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
    await new JobQueue({ sqs: pools.sqs, queueUrl }).enqueue('stubborn', {});
    const { pool } = startPool(registry, queueUrl, { concurrency: 1, stopTimeoutMs: 500 });
    await waitFor(() => pool.inFlight === 1, 5000, 'the job to start');
    const t0 = Date.now();
    await pool.stop();
    expect(aborted).toBe(true);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(450);
    // Given back at once for another instance, not deleted.
    expect(await queueDepth(pools.sqs, queueUrl)).toBe(1);
  });

  it('SQS refusing connections (stopped): each worker backs off, doubling, instead of spinning', async () => {
    const base = testConfig({ AWS_MAX_ATTEMPTS: '1' });
    const down = createSqsClient({ ...base, aws: { ...base.aws, endpoints: { ...base.aws.endpoints, sqs: `http://127.0.0.1:${await freePort()}` } } });
    const send = jest.spyOn(down, 'send');
    const logs = captureLogger();
    const pool = new ConsumerPool({ sqs: down, queueUrl: 'http://127.0.0.1:1/000000000000/none', registry: new JobRegistry(), log: logs.log, concurrency: 2, waitSeconds: 1, visibilitySeconds: 2 });
    try {
      pool.start();
      const t0 = Date.now();
      await waitFor(() => send.mock.calls.length >= 6, 10_000, 'three receives per worker');
      // Waits of 0.5-1 s then 1-2 s between a worker's three receives: at least 1.5 s; spinning takes milliseconds.
      expect(Date.now() - t0).toBeGreaterThanOrEqual(1500);
      const failures = logs.entries().filter((entry) => entry.msg === 'job queue receive failed: SQS unavailable');
      expect(failures.map((entry) => entry.failures).sort()).toEqual(expect.arrayContaining([1, 1, 2, 2]));
      expect(failures.every((entry) => entry.level === 40 && !JSON.stringify(entry).includes('"stack"'))).toBe(true);
    } finally {
      await pool.stop();
      down.destroy();
    }
  });

  it('does nothing with concurrency 0, and survives receive errors', async () => {
    const { queueUrl } = await pools.queues.create();
    const registry = new JobRegistry();
    const handler = jest.fn(async () => undefined);
    registry.register('any', handler);
    await new JobQueue({ sqs: pools.sqs, queueUrl }).enqueue('any', {});
    const off = startPool(registry, queueUrl, { concurrency: 0 }).pool;

    const missing = `${queueUrl}-does-not-exist`;
    const { pool, logs } = startPool(registry, missing, { concurrency: 1 });
    await waitFor(() => logs.entries().some((entry) => entry.msg === 'job queue receive failed'), 5000, 'a receive error');
    await sleep(1200);
    expect(pool.running).toBe(true);
    expect(off.running).toBe(true);
    expect(handler).not.toHaveBeenCalled();
    expect(await queueDepth(pools.sqs, queueUrl)).toBe(1);
    await Promise.all([off.stop(), pool.stop()]);
  });
});
