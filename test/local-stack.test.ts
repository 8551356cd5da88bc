import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { DeleteMessageCommand, GetQueueUrlCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { AdminGetUserCommand, CognitoIdentityProviderClient, SignUpCommand } from '@aws-sdk/client-cognito-identity-provider';
import { freePort } from '../src/local/ports.js';
import { LOCAL_CREDENTIALS } from '../src/local/service.js';
import { captureChildLogs } from './helpers/log-capture.js';

const ROOT = path.resolve(__dirname, '..');

interface Started {
  child: ChildProcess;
  endpoints: Record<string, string>;
  readyMs: number;
  exited: Promise<number | null>;
  output(): string;
}

/**
 * `npm start` itself, with no AWS configuration: the embedded stack in a private data folder.
 * It runs in its own process group, so a Ctrl-C can be delivered the way a terminal does.
 */
async function startPlatform(dataDir: string): Promise<Started> {
  const port = await freePort();
  const started = Date.now();
  const child = spawn('npm', ['start', '--silent'], {
    cwd: ROOT,
    detached: true,
    env: { ...process.env, STACK: '', DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'info', LOG_PRETTY: '0', WORKER_CONCURRENCY: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  captureChildLogs(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // npm re-raises the SIGINT it got once its script has exited; the server's own exit is what counts.
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal === 'SIGINT' ? 0 : code)));

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`platform exited early:\n${output}`);
    if (Date.now() > deadline) throw new Error(`platform not ready within 60 s:\n${output}`);
    const status = await fetch(`http://127.0.0.1:${port}/health/ready`).then((r) => r.status, () => 0);
    if (status === 200) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const endpoints = Object.fromEntries([...output.matchAll(/^\s+(\w+)\s+(http:\/\/127\.0\.0\.1:\d+)$/gm)].map((m) => [m[1]!, m[2]!]));
  return { child, endpoints, readyMs: Date.now() - started, exited, output: () => output };
}

/** A terminal's Ctrl-C: SIGINT to every process of the foreground group (npm, tsx, node). */
function ctrlC(started: Started): void {
  process.kill(-started.child.pid!, 'SIGINT');
}

/** Processes whose command line mentions the data folder (DynamoDB Local's JVM does). */
function processesUsing(dataDir: string): string[] {
  const result = spawnSync('pgrep', ['-af', dataDir], { encoding: 'utf8' });
  return result.stdout.split('\n').filter((line) => line.trim() && !line.includes('pgrep'));
}

describe('npm start on the embedded local stack', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'auroravault-persist-'));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('serves ready, stops everything on Ctrl-C, and keeps the data for the next start', async () => {
    const first = await startPlatform(dataDir);
    console.log(`local platform ready (cold, empty data folder) in ${first.readyMs} ms`);
    expect(Object.keys(first.endpoints).sort()).toEqual(['cognito', 'dynamodb', 'eventbridge', 's3', 'ses', 'sqs']);
    const stackFile = JSON.parse(fs.readFileSync(path.join(dataDir, 'stack.json'), 'utf8')) as { userPoolId: string; userPoolClientId: string };
    expect(stackFile.userPoolId).toMatch(/^us-east-1_[A-Za-z0-9]{9}$/);

    const clients = (endpoints: Record<string, string>) => ({
      s3: new S3Client({ region: 'us-east-1', endpoint: endpoints.s3, forcePathStyle: true, credentials: { ...LOCAL_CREDENTIALS } }),
      dynamo: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', endpoint: endpoints.dynamodb, credentials: { ...LOCAL_CREDENTIALS } })),
      sqs: new SQSClient({ region: 'us-east-1', endpoint: endpoints.sqs, credentials: { ...LOCAL_CREDENTIALS } }),
      cognito: new CognitoIdentityProviderClient({ region: 'us-east-1', endpoint: endpoints.cognito, credentials: { ...LOCAL_CREDENTIALS } }),
    });
    const before = clients(first.endpoints);
    await before.s3.send(new PutObjectCommand({ Bucket: 'auroravault-photos', Key: 'persist/probe.txt', Body: 'kept' }));
    await before.dynamo.send(new PutCommand({ TableName: 'auroravault', Item: { PK: 'TEST#persist', SK: 'TEST', value: 42 } }));
    const queueUrl = (await before.sqs.send(new GetQueueUrlCommand({ QueueName: 'auroravault-jobs' }))).QueueUrl!;
    await before.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: '{"persist":true}' }));
    await before.cognito.send(
      new SignUpCommand({ ClientId: stackFile.userPoolClientId, Username: 'persist@example.com', Password: 'Correct-Horse-9' }),
    );

    ctrlC(first);
    expect(await first.exited).toBe(0);
    // One graceful stop, although every process of the group got the SIGINT (and npm/tsx relay it).
    expect(first.output()).toMatch(/"msg":"stopped"/);
    expect(first.output()).not.toContain('second signal');
    expect(processesUsing(dataDir)).toEqual([]);

    const second = await startPlatform(dataDir);
    console.log(`local platform ready (warm, existing data) in ${second.readyMs} ms`);
    try {
      const after = clients(second.endpoints);
      const object = await after.s3.send(new GetObjectCommand({ Bucket: 'auroravault-photos', Key: 'persist/probe.txt' }));
      expect(await object.Body!.transformToString()).toBe('kept');
      const item = await after.dynamo.send(new GetCommand({ TableName: 'auroravault', Key: { PK: 'TEST#persist', SK: 'TEST' } }));
      expect(item.Item?.value).toBe(42);
      const url = (await after.sqs.send(new GetQueueUrlCommand({ QueueName: 'auroravault-jobs' }))).QueueUrl!;
      const received = await after.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1, MaxNumberOfMessages: 10 }));
      expect(received.Messages?.map((m) => m.Body)).toEqual(['{"persist":true}']);
      const user = await after.cognito.send(new AdminGetUserCommand({ UserPoolId: stackFile.userPoolId, Username: 'persist@example.com' }));
      expect(user.UserStatus).toBe('UNCONFIRMED');
      const again = JSON.parse(fs.readFileSync(path.join(dataDir, 'stack.json'), 'utf8')) as typeof stackFile;
      expect(again).toEqual(stackFile);
    } finally {
      ctrlC(second);
      expect(await second.exited).toBe(0);
    }
    expect(processesUsing(dataDir)).toEqual([]);
  }, 120_000);

  it('loses no acknowledged job when it is killed (kill -9) while jobs are queued and in flight', async () => {
    const crashDir = fs.mkdtempSync(path.join(os.tmpdir(), 'auroravault-crash-'));
    try {
      const first = await startPlatform(crashDir);
      const sqsAt = (endpoint: string) => new SQSClient({ region: 'us-east-1', endpoint, credentials: { ...LOCAL_CREDENTIALS } });
      const before = sqsAt(first.endpoints.sqs!);
      const queueUrl = (await before.send(new GetQueueUrlCommand({ QueueName: 'auroravault-jobs' }))).QueueUrl!;
      for (const body of ['{"job":1}', '{"job":2}', '{"job":3}']) {
        await before.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
      }
      // Job 1 is done, job 2 is being worked on when the process dies, job 3 waits.
      const taken = await before.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 2, VisibilityTimeout: 600 }));
      expect(taken.Messages?.map((m) => m.Body)).toEqual(['{"job":1}', '{"job":2}']);
      await before.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: taken.Messages![0]!.ReceiptHandle }));
      before.destroy();
      process.kill(-first.child.pid!, 'SIGKILL');
      await first.exited;
      expect(first.output()).not.toMatch(/"msg":"stopped"/);

      const second = await startPlatform(crashDir);
      try {
        const after = sqsAt(second.endpoints.sqs!);
        const url = (await after.send(new GetQueueUrlCommand({ QueueName: 'auroravault-jobs' }))).QueueUrl!;
        const received = await after.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 600 }));
        expect(received.Messages?.map((m) => m.Body).sort()).toEqual(['{"job":2}', '{"job":3}']);
        after.destroy();
      } finally {
        ctrlC(second);
        expect(await second.exited).toBe(0);
      }
    } finally {
      fs.rmSync(crashDir, { recursive: true, force: true });
    }
  }, 120_000);
});
