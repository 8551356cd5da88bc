import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { freePort } from '../src/local/ports.js';
import { localStack } from './helpers/stack.js';

const ROOT = path.resolve(__dirname, '..');

/** The production entry (STACK=aws) pointed at the test stack, as a real process. */
function startServer(env: Record<string, string>): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/server.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
  }, 30_000);

  it('on SIGTERM finishes the request in flight, refuses new ones, and exits 0', async () => {
    // A slow EventBridge makes /health/ready take ~1.5 s: the request in flight during SIGTERM.
    const target = new URL(localStack().endpoints.eventbridge);
    const slow = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        setTimeout(() => {
          const upstream = http.request(
            { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
            (up) => {
              res.writeHead(up.statusCode ?? 502, up.headers);
              up.pipe(res);
            },
          );
          upstream.end(Buffer.concat(chunks));
        }, 1500);
      });
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    const slowPort = (slow.address() as { port: number }).port;
    const port = await freePort();
    const server = startServer({
      ...awsEnv(),
      PORT: String(port),
      AWS_ENDPOINT_URL_EVENTBRIDGE: `http://127.0.0.1:${slowPort}`,
      SHUTDOWN_TIMEOUT_MS: '8000',
    });
    try {
      const base = `http://127.0.0.1:${port}`;
      await waitForHttp(`${base}/health/live`, 20_000);

      const inFlight = fetch(`${base}/health/ready`);
      await new Promise((r) => setTimeout(r, 400));
      const signalled = Date.now();
      server.child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 200));

      const late = await fetch(`${base}/health/live`).then(
        (r) => r.status,
        () => 'refused',
      );
      const response = await inFlight;
      expect(response.status).toBe(200);
      expect(((await response.json()) as { dependencies: { eventbridge: { ok: boolean } } }).dependencies.eventbridge.ok).toBe(true);
      expect([503, 'refused']).toContain(late);

      expect(await server.exited).toBe(0);
      expect(Date.now() - signalled).toBeLessThan(8000);
      expect(server.output()).toContain('stopped');
    } finally {
      server.child.kill('SIGKILL');
      slow.close();
    }
  }, 45_000);

  it('never logs credentials: authorization headers and signed query strings are redacted', async () => {
    const port = await freePort();
    const server = startServer({ ...awsEnv(), PORT: String(port) });
    try {
      const base = `http://127.0.0.1:${port}`;
      await waitForHttp(`${base}/health/live`, 20_000);
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
  }, 45_000);
});
