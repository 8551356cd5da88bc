import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  PurgeQueueCommand,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  type Message,
  type MessageAttributeValue,
} from '@aws-sdk/client-sqs';
import { MAX_RECEIVES } from '../../src/jobs/queue-policy.js';
import { LOCAL_CREDENTIALS } from '../../src/local/service.js';

const ROOT = path.resolve(__dirname, '../..');

interface RunningSqs {
  child: ChildProcess;
  sqs: SQSClient;
  queueUrl: string;
  dlqUrl: string;
  exited: Promise<NodeJS.Signals | number | null>;
}

/** The local SQS of the stack, alone, in a child process on dataDir (see sqs-server.ts). */
async function startSqs(dataDir: string, visibilitySeconds = 30): Promise<RunningSqs> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/local/sqs-server.ts'), dataDir, String(visibilitySeconds)], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  const line = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).once('line', resolve);
    void exited.then((code) => reject(new Error(`the local SQS exited (${code}) before it was ready`)));
  });
  const { endpoint, queueUrl, dlqUrl } = JSON.parse(line) as { endpoint: string; queueUrl: string; dlqUrl: string };
  const sqs = new SQSClient({ region: 'us-east-1', endpoint, credentials: { ...LOCAL_CREDENTIALS }, maxAttempts: 1 });
  return { child, sqs, queueUrl, dlqUrl, exited };
}

/** kill -9: no graceful stop, nothing saved on the way out. */
async function crash(running: RunningSqs): Promise<void> {
  running.sqs.destroy();
  running.child.kill('SIGKILL');
  expect(await running.exited).toBe('SIGKILL');
}

async function counts(sqs: SQSClient, queueUrl: string): Promise<{ visible: number; inFlight: number; delayed: number }> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
    }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible),
    delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed),
  };
}

function receive(sqs: SQSClient, queueUrl: string, max: number, visibilitySeconds: number, waitSeconds = 0): Promise<Message[]> {
  return sqs
    .send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: max,
        VisibilityTimeout: visibilitySeconds,
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        MessageAttributeNames: ['All'],
      }),
    )
    .then((r) => r.Messages ?? []);
}

/** Receives (and hides for 10 minutes) every visible message; the count says how many there are. */
async function receiveVisible(sqs: SQSClient, queueUrl: string): Promise<Message[]> {
  const { visible } = await counts(sqs, queueUrl);
  const all: Message[] = [];
  while (all.length < visible) {
    const batch = await receive(sqs, queueUrl, 10, 600);
    if (batch.length === 0) break;
    all.push(...batch);
  }
  expect(await receive(sqs, queueUrl, 10, 600)).toEqual([]);
  return all;
}

interface Sent {
  id: string;
  body: string;
  attributes?: Record<string, MessageAttributeValue>;
}

/** What a consumer sees of a message, in a form to compare with what was sent. */
function asSent(message: Message): Sent {
  const sent: Sent = { id: message.MessageId!, body: message.Body! };
  if (message.MessageAttributes) sent.attributes = message.MessageAttributes;
  return sent;
}

const byBody = (a: Sent, b: Sent) => a.body.localeCompare(b.body);

describe('local SQS after a crash (kill -9)', () => {
  const dirs: string[] = [];
  const running: RunningSqs[] = [];
  const dataDir = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'auroravault-sqs-'));
    dirs.push(dir);
    return dir;
  };
  const start = async (dir: string, visibilitySeconds?: number) => {
    const instance = await startSqs(dir, visibilitySeconds);
    running.push(instance);
    return instance;
  };
  afterAll(() => {
    for (const instance of running) if (instance.child.exitCode === null && instance.child.signalCode === null) instance.child.kill('SIGKILL');
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('redelivers every acknowledged, undeleted message as sent; deleted ones never; the DLQ and delays are kept', async () => {
    const dir = dataDir();
    const first = await start(dir);
    const { sqs, queueUrl, dlqUrl } = first;

    // A poison message exhausts its receives; the next receive moves it to the DLQ (redrive policy).
    const poison = await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: '{"job":"poison"}' }));
    for (let i = 1; i <= MAX_RECEIVES; i++) {
      expect((await receive(sqs, queueUrl, 1, 0)).map((m) => m.MessageId)).toEqual([poison.MessageId]);
    }
    expect(await receive(sqs, queueUrl, 1, 0)).toEqual([]);
    expect(await counts(sqs, dlqUrl)).toEqual({ visible: 1, inFlight: 0, delayed: 0 });

    const sent: Sent[] = [];
    const attributes = { kind: { DataType: 'String', StringValue: 'process-photo' } };
    for (const body of ['{"job":"a"}', '{"job":"b"}', '{"job":"c"}', '{"job":"d"}']) {
      const withAttributes = body === '{"job":"d"}' ? attributes : undefined;
      const result = await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body, MessageAttributes: withAttributes }));
      sent.push({ id: result.MessageId!, body, ...(withAttributes ? { attributes: withAttributes } : {}) });
    }
    const batch = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: ['e', 'f', 'g'].map((name) => ({ Id: name, MessageBody: `{"job":"${name}"}` })),
      }),
    );
    expect(batch.Failed ?? []).toEqual([]);
    for (const entry of batch.Successful!) sent.push({ id: entry.MessageId!, body: `{"job":"${entry.Id}"}` });
    // Long enough to outlast three starts of the local SQS and their checks on a loaded CI machine
    // (12 s did not at a load of 13: the delayed message was already due at the third start).
    const delaySeconds = 30;
    const delayedSentAt = Date.now();
    const delayed = await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: '{"job":"later"}', DelaySeconds: delaySeconds }));

    // a and b are done (deleted one by one and in a batch); c is being worked on when the crash comes.
    const taken = await receive(sqs, queueUrl, 3, 600);
    expect(taken.map((m) => m.Body)).toEqual(['{"job":"a"}', '{"job":"b"}', '{"job":"c"}']);
    await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: taken[0]!.ReceiptHandle }));
    const deleted = await sqs.send(
      new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: [{ Id: 'b', ReceiptHandle: taken[1]!.ReceiptHandle }] }),
    );
    expect(deleted.Failed ?? []).toEqual([]);
    const pending = sent.filter((m) => m.body !== '{"job":"a"}' && m.body !== '{"job":"b"}');
    await crash(first);

    const second = await start(dir);
    expect(await counts(second.sqs, second.queueUrl)).toEqual({ visible: pending.length, inFlight: 0, delayed: 1 });
    const redelivered = await receiveVisible(second.sqs, second.queueUrl);
    expect(redelivered.map(asSent).sort(byBody)).toEqual([...pending].sort(byBody));
    // Receive counts survive too (c was received once before the crash), so a job that crashes the process still reaches the DLQ.
    const receiveCounts = Object.fromEntries(redelivered.map((m) => [m.Body!, Number(m.Attributes?.ApproximateReceiveCount)]));
    expect(receiveCounts).toEqual(Object.fromEntries(pending.map((m) => [m.body, m.body === '{"job":"c"}' ? 2 : 1])));
    const dead = await receiveVisible(second.sqs, second.dlqUrl);
    expect(dead.map(asSent)).toEqual([{ id: poison.MessageId, body: '{"job":"poison"}' }]);
    await crash(second);

    // Everything was in flight at that crash: it all comes back once more, and still nothing else.
    const third = await start(dir);
    expect(await counts(third.sqs, third.queueUrl)).toMatchObject({ visible: pending.length, inFlight: 0 });
    expect((await receiveVisible(third.sqs, third.queueUrl)).map(asSent).sort(byBody)).toEqual([...pending].sort(byBody));
    expect((await receiveVisible(third.sqs, third.dlqUrl)).map(asSent)).toEqual([{ id: poison.MessageId, body: '{"job":"poison"}' }]);

    // The delayed message kept its delay through both crashes: it arrives, but not before it was due.
    let later: Message[] = [];
    while (later.length === 0 && Date.now() < delayedSentAt + (delaySeconds + 15) * 1000) {
      later = await receive(third.sqs, third.queueUrl, 10, 600, 5);
    }
    const arrivedAt = Date.now();
    expect(later.map(asSent)).toEqual([{ id: delayed.MessageId, body: '{"job":"later"}' }]);
    expect(arrivedAt).toBeGreaterThanOrEqual(delayedSentAt + delaySeconds * 1000);
    await crash(third);
  }, 90_000);

  it('keeps purges, queue deletions, new queues and changed attributes across a crash', async () => {
    const dir = dataDir();
    const first = await start(dir, 30);
    const { sqs, queueUrl } = first;
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'purged' }));
    await sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'kept' }));
    const extra = await sqs.send(new CreateQueueCommand({ QueueName: 'extra', Attributes: { VisibilityTimeout: '7' } }));
    await sqs.send(new SendMessageCommand({ QueueUrl: extra.QueueUrl, MessageBody: 'in extra' }));
    const gone = await sqs.send(new CreateQueueCommand({ QueueName: 'gone' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: gone.QueueUrl, MessageBody: 'in gone' }));
    await sqs.send(new DeleteQueueCommand({ QueueUrl: gone.QueueUrl }));
    await crash(first);

    // The next run asks for another visibility timeout: the queue is updated, its messages kept.
    const second = await start(dir, 45);
    const attributes = await second.sqs.send(new GetQueueAttributesCommand({ QueueUrl: second.queueUrl, AttributeNames: ['VisibilityTimeout'] }));
    expect(attributes.Attributes?.VisibilityTimeout).toBe('45');
    expect((await receiveVisible(second.sqs, second.queueUrl)).map((m) => m.Body)).toEqual(['kept']);
    const extraUrl = (await second.sqs.send(new GetQueueUrlCommand({ QueueName: 'extra' }))).QueueUrl!;
    const extraAttributes = await second.sqs.send(new GetQueueAttributesCommand({ QueueUrl: extraUrl, AttributeNames: ['VisibilityTimeout'] }));
    expect(extraAttributes.Attributes?.VisibilityTimeout).toBe('7');
    expect((await receiveVisible(second.sqs, extraUrl)).map((m) => m.Body)).toEqual(['in extra']);
    await expect(second.sqs.send(new GetQueueUrlCommand({ QueueName: 'gone' }))).rejects.toBeInstanceOf(QueueDoesNotExist);

    // A clean stop (stdin closed) keeps them as well.
    second.sqs.destroy();
    second.child.stdin!.end();
    expect(await second.exited).toBe(0);
    const third = await start(dir, 45);
    expect((await receiveVisible(third.sqs, third.queueUrl)).map((m) => m.Body)).toEqual(['kept']);
    await crash(third);
  }, 60_000);
});
