import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { Writable } from 'node:stream';
import { ChangeMessageVisibilityCommand, ReceiveMessageCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { FastifyInstance } from 'fastify';
import { WELCOME_EMAIL_JOB, welcomeEmailJobId, type WelcomeEmailPayload } from '../../src/accounts/welcome-email.js';
import { buildApp } from '../../src/app.js';
import { createSqsClient } from '../../src/aws/sqs.js';
import type { AppConfig } from '../../src/config.js';
import { keys } from '../../src/data/keys.js';
import { parseEnvelope, serializeEnvelope, type JobEnvelope } from '../../src/jobs/job-queue.js';
import { testConfig } from '../helpers/stack.js';
import { queueDepth, TestQueues, waitFor, type QueuePair } from '../jobs/helpers.js';

interface Mail {
  from: string;
  to: string[];
  subject: string;
  text?: string;
  html?: string;
}

interface RecordedEvent {
  source: string;
  'detail-type': string;
  eventBusName: string;
  detail: { userId?: string; registeredAt?: string } & Record<string, unknown>;
}

interface Running {
  app: FastifyInstance;
  url: string;
  /** Every log line the app wrote (JSON). */
  logs: string[];
}

let sqs: SQSClient;
let queues: TestQueues;
const running: Running[] = [];

beforeAll(() => {
  sqs = createSqsClient(testConfig());
  queues = new TestQueues(sqs);
});
afterAll(async () => {
  await Promise.allSettled(running.map(({ app }) => app.close()));
  await queues.deleteAll();
  sqs.destroy();
});

/** The real app, consuming from a private queue pair so no other test file's app takes these jobs. */
async function start(pair: QueuePair, env: Record<string, string> = {}, adjust: (config: AppConfig) => AppConfig = (c) => c): Promise<Running> {
  const base = testConfig({ WORKER_CONCURRENCY: '2', WORKER_WAIT_SECONDS: '1', ...env });
  const config = adjust({ ...base, resources: { ...base.resources, queueUrl: pair.queueUrl, dlqUrl: pair.dlqUrl } });
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(...chunk.toString().split('\n').filter(Boolean));
      callback();
    },
  });
  const app = await buildApp(config, { logger: { level: 'info', stream } });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const entry = { app, url, logs };
  running.push(entry);
  return entry;
}

async function stop(entry: Running): Promise<void> {
  running.splice(running.indexOf(entry), 1);
  await entry.app.close();
}

function newUser(name = 'Ada'): WelcomeEmailPayload {
  return { userId: randomUUID(), email: `welcome-${randomUUID()}@example.com`, name };
}

async function mailTo(url: string, email: string): Promise<Mail[]> {
  const response = await fetch(`${url}/_dev/mail?to=${encodeURIComponent(email)}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { items: Mail[] }).items;
}

async function registeredEvents(app: FastifyInstance, userId: string): Promise<RecordedEvent[]> {
  const response = await fetch(new URL('/events', app.config.aws.endpoints.eventbridge));
  const events = (await response.json()) as RecordedEvent[];
  return events.filter((event) => event['detail-type'] === 'UserRegistered' && event.detail.userId === userId);
}

async function idempotencyRecord(app: FastifyInstance, key: string): Promise<Record<string, unknown> | undefined> {
  const { Item } = await app.aws.dynamo.send(new GetCommand({ TableName: app.resources.table, Key: keys.idempotency(key), ConsistentRead: true }));
  return Item;
}

/** Waits until the job's messages are all gone (deleted after success) and both effects are visible. */
async function settled(entry: Running, pair: QueuePair, user: WelcomeEmailPayload): Promise<void> {
  await waitFor(
    async () =>
      (await queueDepth(sqs, pair.queueUrl)) === 0 &&
      (await mailTo(entry.url, user.email)).length > 0 &&
      (await registeredEvents(entry.app, user.userId)).length > 0,
    12_000,
    'the welcome job to finish',
  );
}

describe('welcome-email job on the real app and local stack', () => {
  let pair: QueuePair;
  let main: Running;
  beforeAll(async () => {
    pair = await queues.create(5);
    main = await start(pair);
  });

  it('sends one welcome email (html and text, from the configured sender) and publishes one UserRegistered', async () => {
    const user = newUser('Ada <Lovelace>');
    const enqueuedAt = Date.now();
    await main.app.jobs.enqueue(WELCOME_EMAIL_JOB, user, { jobId: welcomeEmailJobId(user.userId) });
    await settled(main, pair, user);

    const mails = await mailTo(main.url, user.email);
    expect(mails).toHaveLength(1);
    const [mail] = mails;
    expect(mail).toMatchObject({ from: `AuroraVault <${main.app.resources.emailFrom}>`, to: [user.email], subject: 'Welcome to AuroraVault' });
    expect(mail!.html).toContain('Welcome, Ada &lt;Lovelace&gt;!');
    expect(mail!.html).toContain('private by default');
    expect(mail!.text).toContain('Welcome, Ada <Lovelace>!');
    expect(mail!.text).toContain('private by default');

    const events = await registeredEvents(main.app, user.userId);
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event).toMatchObject({ source: 'auroravault.api', eventBusName: main.app.resources.eventBusName });
    expect(Object.keys(event!.detail).sort()).toEqual(['registeredAt', 'userId']);
    expect(Date.parse(event!.detail.registeredAt!)).toBeGreaterThanOrEqual(enqueuedAt - 1000);
    // Events fan out to other systems: no personal data in them.
    expect(JSON.stringify(event)).not.toContain(user.email);
    expect(JSON.stringify(event)).not.toContain('Ada');

    expect(await idempotencyRecord(main.app, `welcome-email:${user.userId}`)).toMatchObject({ status: 'done' });
    expect(await idempotencyRecord(main.app, `user-registered:${user.userId}`)).toMatchObject({ status: 'done' });
    // The job was logged, the address never was.
    expect(main.logs.some((line) => line.includes('welcome email sent'))).toBe(true);
    expect(main.logs.join('\n')).not.toContain(user.email);
  });

  it('duplicate delivery (same job enqueued twice, plus two identical raw messages) still sends one email and one event', async () => {
    const user = newUser();
    const jobId = welcomeEmailJobId(user.userId);
    await main.app.jobs.enqueue(WELCOME_EMAIL_JOB, user, { jobId });
    await main.app.jobs.enqueue(WELCOME_EMAIL_JOB, user, { jobId });
    const envelope: JobEnvelope = { v: 1, id: jobId, type: WELCOME_EMAIL_JOB, payload: user, enqueuedAt: new Date().toISOString() };
    const body = serializeEnvelope(envelope);
    await sqs.send(new SendMessageCommand({ QueueUrl: pair.queueUrl, MessageBody: body }));
    await sqs.send(new SendMessageCommand({ QueueUrl: pair.queueUrl, MessageBody: body }));

    await settled(main, pair, user);
    expect(await mailTo(main.url, user.email)).toHaveLength(1);
    expect(await registeredEvents(main.app, user.userId)).toHaveLength(1);
    expect(main.logs.join('\n')).not.toContain(user.email);
  });

  it('a worker that crashes after sending, before deleting the message: the redelivery sends nothing again', async () => {
    const crashPair = await queues.create(30);
    // The instance that will "crash": no workers of its own, we play its worker by hand.
    const crashing = await start(crashPair, { WORKER_CONCURRENCY: '0' });
    const user = newUser();
    await crashing.app.jobs.enqueue(WELCOME_EMAIL_JOB, user, { jobId: welcomeEmailJobId(user.userId) });

    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: crashPair.queueUrl, WaitTimeSeconds: 2, VisibilityTimeout: 30 }));
    expect(Messages).toHaveLength(1);
    const message = Messages[0]!;
    const envelope = parseEnvelope(message.Body)!;
    // The same handler the pool runs, with the effects done...
    const job = crashing.app.jobs.registry.get(WELCOME_EMAIL_JOB)!;
    await job.handler(job.schema!.parse(envelope.payload), {
      jobId: envelope.id,
      type: envelope.type,
      receiveCount: 1,
      log: crashing.app.log,
      signal: new AbortController().signal,
    });
    expect(await mailTo(crashing.url, user.email)).toHaveLength(1);
    // ...then the process dies before DeleteMessage: the message is not deleted and comes back
    // (visibility 0 stands for its visibility timeout running out, without waiting for it).
    await stop(crashing);
    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: crashPair.queueUrl, ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: 0 }));

    // Another instance's pool takes the redelivered message, finds both effects done and deletes it.
    const survivor = await start(crashPair);
    await waitFor(async () => (await queueDepth(sqs, crashPair.queueUrl)) === 0, 10_000, 'the redelivered job to be deleted');
    expect(survivor.logs.some((line) => line.includes('welcome email was already sent'))).toBe(true);
    expect(survivor.logs.some((line) => line.includes('UserRegistered was already published'))).toBe(true);
    expect(await mailTo(survivor.url, user.email)).toHaveLength(1);
    expect(await registeredEvents(survivor.app, user.userId)).toHaveLength(1);
  });

  it('SES failing: the job is retried (not deleted), no done record for the email, the event still goes out once', async () => {
    const failPair = await queues.create(30);
    const closedPort = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const broken = await start(failPair, { AWS_MAX_ATTEMPTS: '1', AWS_CONNECT_TIMEOUT_MS: '500' }, (config) => ({
      ...config,
      aws: { ...config.aws, endpoints: { ...config.aws.endpoints, ses: `http://127.0.0.1:${closedPort}` } },
    }));
    const user = newUser();
    await broken.app.jobs.enqueue(WELCOME_EMAIL_JOB, user, { jobId: welcomeEmailJobId(user.userId) });

    const failures = () =>
      broken.logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.msg === 'job failed' && entry.type === WELCOME_EMAIL_JOB);
    await waitFor(() => failures().length >= 2, 10_000, 'two failed attempts');
    expect(failures().map((entry) => entry.receiveCount)).toEqual(expect.arrayContaining([1, 2]));
    expect(failures()[0]).toMatchObject({ final: false, err: { type: 'WelcomeEmailSendError' } });

    expect(await queueDepth(sqs, failPair.queueUrl)).toBe(1);
    // The failed send released its claim, so a later attempt (SES back) can still send.
    expect((await idempotencyRecord(broken.app, `welcome-email:${user.userId}`))?.status).not.toBe('done');
    expect(await idempotencyRecord(broken.app, `user-registered:${user.userId}`)).toMatchObject({ status: 'done' });
    expect(await registeredEvents(broken.app, user.userId)).toHaveLength(1);
    expect(await mailTo(main.url, user.email)).toHaveLength(0);
    expect(broken.logs.join('\n')).not.toContain(user.email);
  });
});
