import { Writable } from 'node:stream';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig, withLocalStack, type AppConfig } from '../../src/config.js';
import { PROBE_TIMEOUT_MS, READINESS_TTL_MS } from '../../src/routes/health/index.js';
import { client, registeredUser, type ApiClient } from '../helpers/accounts.js';
import { item, jpeg, put, settled, type UploadAnswer } from '../helpers/uploads.js';
import { startOutageStack, type Frozen, type OutageStack } from './support/outage-stack.js';

/**
 * A dependency stops answering in the middle of traffic (SIGSTOP of the process that serves it, as a network
 * partition looks to us), then comes back (SIGCONT). The API runs in this process on a stack of this file's
 * own, with test-sized AWS timeouts; every bound below is computed from its config.
 */
jest.setTimeout(120_000);

const ENV = {
  STACK: 'local',
  NODE_ENV: 'test',
  LOG_LEVEL: 'info',
  AWS_REQUEST_TIMEOUT_MS: '1500',
  AWS_MAX_ATTEMPTS: '2',
  WORKER_CONCURRENCY: '2',
  WORKER_WAIT_SECONDS: '1',
  WORKER_VISIBILITY_SECONDS: '4',
  SWEEP_INTERVAL_SECONDS: '0',
  RATE_LIMIT_AUTH_IP_PER_MINUTE: '10000',
};

/** The SDK's delay before its second attempt and a loaded machine's scheduling, on top of the attempts. */
const SLACK_MS = 1500;

interface Answer {
  status: number;
  ms: number;
  retryAfter: string | null;
  contentType: string | null;
  body: { type?: string; status?: number } & Record<string, unknown>;
}

describe('dependency outages: 503 with Retry-After within the budget, then recovery by itself', () => {
  let stack: OutageStack;
  let app: FastifyInstance;
  let config: AppConfig;
  let api: ApiClient;
  let url: string;
  let token: string;
  const logLines: string[] = [];

  /** One AWS call, every attempt timing out: the longest a request waits on a silent dependency. */
  const budgetMs = () => config.aws.maxAttempts * config.aws.requestTimeoutMs + SLACK_MS;

  beforeAll(async () => {
    stack = await startOutageStack('outage');
    config = withLocalStack(loadConfig(ENV), stack.info);
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        logLines.push(...chunk.toString().split('\n').filter(Boolean));
        callback();
      },
    });
    app = await buildApp(config, { logger: { level: 'info', stream } });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
    api = client(url);
    token = (await registeredUser(api, 'outage')).accessToken;
  });
  afterAll(async () => {
    await app?.close();
    await stack?.stop();
  });

  /** A call through the real HTTP API, timed; given up (and failed) well past the budget rather than hanging the suite. */
  async function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Answer> {
    const started = performance.now();
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(budgetMs() + 10_000),
    });
    const text = await response.text();
    return {
      status: response.status,
      ms: performance.now() - started,
      retryAfter: response.headers.get('retry-after'),
      contentType: response.headers.get('content-type'),
      body: text ? (JSON.parse(text) as Answer['body']) : {},
    };
  }

  async function ready(): Promise<{ status: number; ms: number; body: { dependencies: Record<string, { ok: boolean }> } }> {
    const started = performance.now();
    const response = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS + 10_000) });
    return { status: response.status, ms: performance.now() - started, body: (await response.json()) as never };
  }

  /**
   * Readiness while a dependency is frozen: each answer within the probe timeout, and 503 within the time a
   * result is reused (READINESS_TTL_MS) plus one probe. Returns the 503 and how long until it came.
   */
  async function readyTurns503(): Promise<{ status: number; afterMs: number; slowestMs: number; body: Awaited<ReturnType<typeof ready>>['body'] }> {
    const since = performance.now();
    let slowestMs = 0;
    for (;;) {
      const answer = await ready();
      slowestMs = Math.max(slowestMs, answer.ms);
      const afterMs = performance.now() - since;
      if (answer.status === 503 || afterMs > READINESS_TTL_MS + PROBE_TIMEOUT_MS + SLACK_MS) return { ...answer, afterMs, slowestMs };
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  function expectReadiness503(readiness: Awaited<ReturnType<typeof readyTurns503>>, down: string[]): void {
    expect(readiness.status).toBe(503);
    for (const name of down) expect([name, readiness.body.dependencies[name]?.ok]).toEqual([name, false]);
    expect(readiness.slowestMs).toBeLessThan(PROBE_TIMEOUT_MS + SLACK_MS);
    expect(readiness.afterMs).toBeLessThan(READINESS_TTL_MS + PROBE_TIMEOUT_MS + SLACK_MS);
  }

  async function readyAgain(): Promise<void> {
    const deadline = Date.now() + 20_000;
    while ((await ready()).status !== 200) {
      if (Date.now() > deadline) throw new Error('/health/ready did not come back');
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Reserves one photo and PUTs its bytes (S3 is direct, not through the API). */
  async function uploaded(seed: number): Promise<UploadAnswer> {
    const bytes = await jpeg(seed);
    const reserved = await api.post<{ items: UploadAnswer[] }>('/v1/uploads', { items: [item(`ref-${seed}`, bytes)] }, token);
    expect(reserved.status).toBe(200);
    const answer = reserved.body.items[0]!;
    expect(await put(answer, bytes)).toBe(200);
    return answer;
  }

  function expectOutageAnswer(answer: Answer, route: string): void {
    expect({ route, status: answer.status, type: answer.body.type, contentType: answer.contentType }).toEqual({
      route,
      status: 503,
      type: expect.stringMatching(/\/problems\/(dependency-unavailable|unavailable|overloaded)$/),
      contentType: expect.stringContaining('application/problem+json'),
    });
    expect([route, Number(answer.retryAfter) >= 1]).toEqual([route, true]);
    expect([route, answer.ms < budgetMs()]).toEqual([route, true]);
  }

  async function frozenWhile<T>(target: Frozen, during: () => Promise<T>): Promise<T> {
    stack.freeze(target);
    try {
      return await during();
    } finally {
      stack.thaw(target);
    }
  }

  it('DynamoDB frozen: reads, upload batches and completes answer 503 + Retry-After in budget; readiness 503; all recover', async () => {
    const waiting = await uploaded(1);
    const routes: [string, 'GET' | 'POST', string, unknown?][] = [
      ['authenticated read', 'GET', `/v1/photos/${waiting.photoId}`],
      ['timeline', 'GET', '/v1/photos'],
      ['upload batch', 'POST', '/v1/uploads', { items: [item('ref-batch', await jpeg(2))] }],
      ['complete', 'POST', '/v1/uploads/complete', { items: [{ photoId: waiting.photoId }] }],
    ];
    // Side by side, as a phone's calls arrive: each is timed on its own.
    const { answers, readiness } = await frozenWhile('dynamodb', async () => {
      const [readiness, ...answers] = await Promise.all([readyTurns503(), ...routes.map(([, method, path, body]) => call(method, path, body))]);
      return { answers, readiness: readiness! };
    });

    answers.forEach((answer, i) => expectOutageAnswer(answer, routes[i]![0]));
    expectReadiness503(readiness, ['dynamodb']);
    // One warn line per failed request, never an error with a stack.
    const outageLines = logLines.filter((line) => line.includes('dependency unavailable'));
    expect(outageLines.length).toBeGreaterThan(0);
    for (const line of outageLines) expect(JSON.parse(line)).toMatchObject({ level: 40 });
    expect(logLines.filter((line) => line.includes('"msg":"request failed"'))).toEqual([]);

    await readyAgain();
    // The client's retry of each call now succeeds, and the photo waiting on its complete reaches ready once.
    for (const [name, method, path, body] of routes) expect([name, (await call(method, path, body)).status]).toEqual([name, 200]);
    const final = await settled(api, token, [waiting.photoId]);
    expect(final[waiting.photoId]?.status).toBe('ready');
  });

  it('S3, SQS and the rest frozen: complete answers 503 in budget, the workers do not spin, and the photo completes after', async () => {
    const before = await uploaded(3);
    const around = await uploaded(4);
    // Completed just before the freeze: its processing job meets the outage.
    expect((await call('POST', '/v1/uploads/complete', { items: [{ photoId: before.photoId }] })).status).toBe(200);

    const sqs = app.aws.sqs;
    const send = jest.spyOn(sqs, 'send');
    const receives = () => send.mock.calls.filter(([command]) => command instanceof ReceiveMessageCommand).length;
    const { completed, readiness, polls, frozenMs } = await frozenWhile('stack', async () => {
      const since = performance.now();
      const polledBefore = receives();
      const [completed, readiness] = await Promise.all([call('POST', '/v1/uploads/complete', { items: [{ photoId: around.photoId }] }), readyTurns503()]);
      // Stay frozen a while longer: the workers' polls meet the silence too.
      await new Promise((r) => setTimeout(r, 3000));
      return { completed, readiness, polls: receives() - polledBefore, frozenMs: performance.now() - since };
    });
    send.mockRestore();

    expectOutageAnswer(completed, 'complete');
    expectReadiness503(readiness, ['s3', 'sqs']);
    // Each worker's poll waits out its own timeout before it tries again (then backs off): at most one
    // new poll per worker per started (wait + margin) period, however long SQS stays silent.
    const pollPeriodMs = (config.workers.waitSeconds + 5) * 1000;
    expect(polls).toBeLessThanOrEqual(config.workers.concurrency * (Math.ceil(frozenMs / pollPeriodMs) + 1));

    await readyAgain();
    // The client retries its complete; both photos reach ready, each exactly once.
    expect((await call('POST', '/v1/uploads/complete', { items: [{ photoId: around.photoId }] })).status).toBe(200);
    const final = await settled(api, token, [before.photoId, around.photoId], 40_000);
    expect(Object.values(final).map((p) => p.status)).toEqual(['ready', 'ready']);
    const timeline = await api.get<{ items: { id: string }[] }>('/v1/photos', token);
    const ids = timeline.body.items.map((p) => p.id);
    for (const id of [before.photoId, around.photoId]) expect(ids.filter((x) => x === id)).toHaveLength(1);
  });
});
