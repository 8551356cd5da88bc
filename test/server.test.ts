import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { freePort } from '../src/local/ports.js';
import { localStack } from './helpers/stack.js';
import { captureChildLogs } from './helpers/log-capture.js';

const ROOT = path.resolve(__dirname, '..');

/** The production entry (STACK=aws) pointed at the test stack, as a real process. */
function startServer(env: Record<string, string>): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/server.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  captureChildLogs(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

function awsEnv(): Record<string, string> {
  const stack = localStack();
  return {
    STACK: 'aws',
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    AWS_REGION: stack.region,
    AWS_ACCESS_KEY_ID: stack.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: stack.credentials.secretAccessKey,
    S3_BUCKET: stack.resources.bucket,
    DYNAMODB_TABLE: stack.resources.table,
    SQS_QUEUE_URL: stack.resources.queueUrl,
    SQS_DLQ_URL: stack.resources.dlqUrl,
    SES_FROM_ADDRESS: stack.resources.emailFrom,
    COGNITO_USER_POOL_ID: stack.resources.userPoolId,
    COGNITO_CLIENT_ID: stack.resources.userPoolClientId,
    EVENT_BUS_NAME: stack.resources.eventBusName,
    CURSOR_SECRET: 'server-test-cursor-secret-0123456789abcdef',
    AWS_ENDPOINT_URL_S3: stack.endpoints.s3,
    AWS_ENDPOINT_URL_DYNAMODB: stack.endpoints.dynamodb,
    AWS_ENDPOINT_URL_SQS: stack.endpoints.sqs,
    AWS_ENDPOINT_URL_SES: stack.endpoints.ses,
    AWS_ENDPOINT_URL_EVENTBRIDGE: stack.endpoints.eventbridge,
    AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: stack.endpoints.cognito,
    WORKER_CONCURRENCY: '0',
  };
}

/** Polls `probe` until it returns something other than undefined/false; that value. */
async function until<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

describe('the server process', () => {
  it('refuses to start on bad configuration, naming every bad variable', async () => {
    const server = startServer({ ...awsEnv(), PORT: 'eighty', COGNITO_USER_POOL_ID: 'not a pool', S3_BUCKET: '' });
    expect(await server.exited).toBe(1);
    const output = server.output();
    expect(output).toContain('PORT');
    expect(output).toContain('COGNITO_USER_POOL_ID');
    expect(output).toContain('S3_BUCKET: required when STACK=aws');
    expect(output).not.toContain('CURSOR_SECRET');
  }, 60_000);

  it('on SIGTERM finishes the request in flight, refuses new ones, and exits 0', async () => {
    // The request in flight is a sign-up whose body is still arriving when SIGTERM comes: the server took it
    // (logged it as incoming) before the signal, and its whole handler, Cognito call included, runs during the
    // shutdown. The test decides when it ends, so no timing (the machine's load) can end it early or late.
    const port = await freePort();
    const server = startServer({ ...awsEnv(), PORT: String(port), SHUTDOWN_TIMEOUT_MS: '8000' });
    try {
      const base = `http://127.0.0.1:${port}`;
      await waitForHttp(`${base}/health/live`, 60_000);

      const requestId = `sigterm-${randomUUID()}`;
      const body = Buffer.from(JSON.stringify({ email: `sigterm-${randomUUID().slice(0, 8)}@example.com`, password: 'Photos-Forever-2026', name: 'In Flight' }));
      const request = http.request(`${base}/v1/auth/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': body.length, 'x-request-id': requestId },
      });
      const inFlight = new Promise<{ status: number; body: string }>((resolve, reject) => {
        request.on('response', (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString()));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
        });
        request.on('error', reject);
      });
      request.write(body.subarray(0, 10));
      const taken = (line: string) => line.includes(requestId) && line.includes('incoming request');
      await until(() => server.output().split('\n').some(taken), 20_000, 'the server to take the request');

      const signalled = Date.now();
      server.child.kill('SIGTERM');
      // New requests are refused (a 503 problem with Retry-After on a kept-alive socket, or the connection)
      // while the old one is still open.
      const late = await until(
        async () => {
          const answer = await fetch(`${base}/health/live`).then(
            (r) => ({ status: r.status, type: r.headers.get('content-type'), retryAfter: r.headers.get('retry-after') }),
            () => 'refused' as const,
          );
          return answer !== 'refused' && answer.status === 200 ? undefined : answer;
        },
        10_000,
        'new requests to be refused',
      );
      if (late !== 'refused') expect(late).toEqual({ status: 503, type: expect.stringMatching(/^application\/problem\+json/), retryAfter: '1' });
      expect(server.child.exitCode).toBeNull();

      request.end(body.subarray(10));
      const response = await inFlight;
      expect(response.status).toBe(201);
      expect(JSON.parse(response.body)).toEqual({ userId: expect.any(String), confirmationRequired: true });

      expect(await server.exited).toBe(0);
      expect(Date.now() - signalled).toBeLessThan(8000);
      expect(server.output()).toContain('stopped');
    } finally {
      server.child.kill('SIGKILL');
    }
  }, 120_000);

  it('never logs credentials: authorization headers and signed query strings are redacted', async () => {
    const port = await freePort();
    const server = startServer({ ...awsEnv(), PORT: String(port) });
    try {
      const base = `http://127.0.0.1:${port}`;
      await waitForHttp(`${base}/health/live`, 60_000);
      await fetch(`${base}/health/live?X-Amz-Signature=deadbeefsecret&token=tok123secret`, {
        headers: { authorization: 'Bearer eyJsecret.token.value', cookie: 'session=cookiesecret' },
      });
      server.child.kill('SIGTERM');
      await server.exited;
      const output = server.output();
      expect(output).toContain('/health/live?X-Amz-Signature=[REDACTED]');
      expect(output).not.toMatch(/deadbeefsecret|tok123secret|eyJsecret|cookiesecret/);
    } finally {
      server.child.kill('SIGKILL');
    }
  }, 90_000);
});
