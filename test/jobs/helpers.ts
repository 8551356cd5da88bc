import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { FastifyBaseLogger } from 'fastify';
import pino from 'pino';
import { createSqsClient } from '../../src/aws/sqs.js';
import { ConsumerPool, type ConsumerPoolOptions } from '../../src/jobs/consumer-pool.js';
import { MAX_RECEIVES } from '../../src/jobs/queue-policy.js';
import type { JobRegistry } from '../../src/jobs/registry.js';
import { testConfig } from '../helpers/stack.js';

export interface QueuePair {
  queueUrl: string;
  dlqUrl: string;
}

/**
 * Private queue pairs: other test files' apps drain the shared queue, and a test's leftovers must
 * not reach the next test. Delete them all with deleteAll() in afterAll.
 */
export class TestQueues {
  readonly #urls: string[] = [];

  constructor(private readonly sqs: SQSClient) {}

  async create(visibilitySeconds = 2, attributes: Record<string, string> = {}): Promise<QueuePair> {
    const name = `test-${randomBytes(6).toString('hex')}`;
    const dlq = await this.sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
    this.#urls.push(dlq.QueueUrl!);
    const { Attributes } = await this.sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }));
    const queue = await this.sqs.send(
      new CreateQueueCommand({
        QueueName: name,
        Attributes: {
          ...attributes,
          VisibilityTimeout: String(visibilitySeconds),
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes!.QueueArn, maxReceiveCount: MAX_RECEIVES }),
        },
      }),
    );
    this.#urls.push(queue.QueueUrl!);
    return { queueUrl: queue.QueueUrl!, dlqUrl: dlq.QueueUrl! };
  }

  async deleteAll(): Promise<void> {
    await Promise.allSettled(this.#urls.map((url) => this.sqs.send(new DeleteQueueCommand({ QueueUrl: url }))));
  }
}

/** Messages visible + in flight + delayed. */
export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
    }),
  );
  return (
    Number(Attributes.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0) +
    Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0)
  );
}

/** Receives (and leaves in place until their 30 s visibility runs out) up to `max` messages. */
export async function receiveAll(sqs: SQSClient, queueUrl: string, max: number, timeoutMs = 10_000): Promise<Message[]> {
  const messages: Message[] = [];
  const deadline = Date.now() + timeoutMs;
  while (messages.length < max && Date.now() < deadline) {
    const response = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 30 }),
    );
    messages.push(...(response.Messages ?? []));
  }
  return messages;
}

export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A real pino logger whose lines the test can read (to check what is, and is not, logged). */
export function captureLogger(): { log: FastifyBaseLogger; lines: string[]; entries: () => Record<string, unknown>[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString());
      callback();
    },
  });
  const log = pino({ level: 'debug' }, stream);
  return { log, lines, entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

/**
 * Per test file: an SQS client, private queues (deleted after the file) and pools with test-sized
 * timings (stopped after each test). Call at the top level of a test file.
 */
export function usePools() {
  let sqs: SQSClient | undefined;
  let queues: TestQueues | undefined;
  const pools: ConsumerPool[] = [];

  beforeAll(() => {
    sqs = createSqsClient(testConfig({ WORKER_WAIT_SECONDS: '1' }));
    queues = new TestQueues(sqs);
  });
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((pool) => pool.stop()));
  });
  afterAll(async () => {
    await queues?.deleteAll();
    sqs?.destroy();
  });

  return {
    get sqs(): SQSClient {
      return sqs!;
    },
    get queues(): TestQueues {
      return queues!;
    },
    startPool(registry: JobRegistry, queueUrl: string, options: Partial<ConsumerPoolOptions> = {}) {
      const logs = captureLogger();
      const pool = new ConsumerPool({
        sqs: sqs!,
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
    },
  };
}
