import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { buildApp } from '../../src/app.js';
import { keys } from '../../src/data/keys.js';
import { fixedWindow } from '../../src/lib/fixed-window.js';
import { HttpProblem } from '../../src/lib/problem.js';
import { createEmailRateLimit, EMAIL_WINDOW_SECONDS, emailSubject } from '../../src/plugins/app/rate-limits.js';
import { testConfig } from '../helpers/stack.js';

/**
 * The auth rate limits through real HTTP on the real app: probe routes are wired the way the auth
 * routes are (`onRequest: app.authRateLimit`, `app.emailRateLimit.consume(scope, email)`).
 */
async function serve(env: Record<string, string>): Promise<{ app: FastifyInstance; url: string }> {
  const app = await buildApp(testConfig(env), { logger: false });
  const typed = app.withTypeProvider<ZodTypeProvider>();
  typed.get('/probe/auth/a', { onRequest: app.authRateLimit }, async () => ({ route: 'a' }));
  typed.get('/probe/auth/b', { onRequest: app.authRateLimit }, async () => ({ route: 'b' }));
  typed.get('/probe/open', async () => ({ route: 'open' }));
  typed.post(
    '/probe/auth/login',
    { onRequest: app.authRateLimit, schema: { body: z.object({ email: z.string().min(3) }) } },
    async (request) => {
      await app.emailRateLimit.consume('probe', request.body.email);
      return { ok: true };
    },
  );
  return { app, url: await app.listen({ port: 0, host: '127.0.0.1' }) };
}

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function call(url: string, init?: RequestInit): Promise<Answer> {
  const response = await fetch(url, init);
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
}

const from = (clientIp: string): RequestInit => ({ headers: { 'x-forwarded-for': `${clientIp}, 198.51.100.1` } });
const login = (email: string): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email }) });
const uniqueEmail = () => `rl-${randomUUID()}@example.com`;

function expectTooMany(answer: Answer, maxRetryAfter: number): void {
  expect(answer.status).toBe(429);
  expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(answer.body).toMatchObject({ status: 429, title: expect.any(String), type: 'https://auroravault.dev/problems/too-many-requests' });
  const retryAfter = Number(answer.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(maxRetryAfter);
  expect(answer.headers.get('x-request-id')).toBeTruthy();
}

describe('per-IP limit on the auth routes (in memory, per instance)', () => {
  let server: Awaited<ReturnType<typeof serve>>;
  // Behind CloudFront + ALB, as in production: request.ip is the client CloudFront saw.
  beforeAll(async () => (server = await serve({ TRUST_PROXY: '2', RATE_LIMIT_AUTH_IP_PER_MINUTE: '3' })));
  afterAll(() => server.app.close());

  it('the (max+1)-th request from one IP, on any auth route, is a 429 problem with Retry-After', async () => {
    const ip = '203.0.113.10';
    const remaining: (string | null)[] = [];
    for (const path of ['a', 'b', 'a']) {
      const ok = await call(`${server.url}/probe/auth/${path}`, from(ip));
      expect(ok.status).toBe(200);
      expect(ok.headers.get('x-ratelimit-limit')).toBe('3');
      remaining.push(ok.headers.get('x-ratelimit-remaining'));
    }
    expect(remaining).toEqual(['2', '1', '0']);

    const refused = await call(`${server.url}/probe/auth/b`, from(ip));
    expectTooMany(refused, 60);
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(refused.body.detail).toMatch(/try again in/);

    // Routes without the hook are not limited.
    expect((await call(`${server.url}/probe/open`, from(ip))).status).toBe(200);
  });

  it('counts per client address, and a forged X-Forwarded-For entry does not reset it', async () => {
    const ip = '203.0.113.11';
    for (let i = 0; i < 3; i++) expect((await call(`${server.url}/probe/auth/a`, from(ip))).status).toBe(200);
    const forged = { headers: { 'x-forwarded-for': `10.1.2.3, ${ip}, 198.51.100.1` } };
    expect((await call(`${server.url}/probe/auth/a`, forged)).status).toBe(429);
    expect((await call(`${server.url}/probe/auth/a`, from('203.0.113.12'))).status).toBe(200);
  });
});

describe('per-email limit (DynamoDB, shared by every instance)', () => {
  let first: Awaited<ReturnType<typeof serve>>;
  let second: Awaited<ReturnType<typeof serve>>;
  const env = { RATE_LIMIT_AUTH_IP_PER_MINUTE: '1000', RATE_LIMIT_AUTH_EMAIL_PER_15_MINUTES: '3' };

  beforeAll(async () => {
    [first, second] = await Promise.all([serve(env), serve(env)]);
    // These tests run on the real clock: stay clear of a 15-minute window edge, where counts restart.
    const { secondsLeft } = fixedWindow(Date.now(), EMAIL_WINDOW_SECONDS);
    if (secondsLeft < 5) await sleep(secondsLeft * 1000 + 200);
  });
  afterAll(() => Promise.all([first.app.close(), second.app.close()]));

  it('the (max+1)-th attempt for one email is a 429 even when the attempts hit two separate instances', async () => {
    const email = uniqueEmail();
    expect((await call(`${first.url}/probe/auth/login`, login(email))).status).toBe(200);
    expect((await call(`${second.url}/probe/auth/login`, login(email))).status).toBe(200);
    expect((await call(`${first.url}/probe/auth/login`, login(email))).status).toBe(200);

    const refused = await call(`${second.url}/probe/auth/login`, login(email));
    expectTooMany(refused, EMAIL_WINDOW_SECONDS);
    expect(refused.body.detail).toBe('Too many attempts for this account; try again later');
    expect((await call(`${first.url}/probe/auth/login`, login(email))).status).toBe(429);

    // Another address is unaffected.
    expect((await call(`${first.url}/probe/auth/login`, login(uniqueEmail()))).status).toBe(200);
  });

  it('matches the email case-insensitively (and ignores surrounding spaces)', async () => {
    const email = uniqueEmail();
    for (const variant of [email, email.toUpperCase(), ` ${email.replace('rl-', 'RL-')} `]) {
      expect((await call(`${first.url}/probe/auth/login`, login(variant))).status).toBe(200);
    }
    expect((await call(`${second.url}/probe/auth/login`, login(email.toUpperCase()))).status).toBe(429);
  });

  it('stores a hash of the address, never the address, with a ttl after the window ends', async () => {
    const email = uniqueEmail();
    expect((await call(`${first.url}/probe/auth/login`, login(email))).status).toBe(200);
    const window = fixedWindow(Date.now(), EMAIL_WINDOW_SECONDS);
    const { Item } = await first.app.aws.dynamo.send(
      new GetCommand({ TableName: first.app.resources.table, Key: keys.rateLimit('probe', emailSubject(email), window.start), ConsistentRead: true }),
    );
    expect(Item).toMatchObject({ attempts: 1 });
    expect(emailSubject(email)).toMatch(/^[0-9a-f]{64}$/);
    expect(Item!.ttl).toBeGreaterThan(window.end);
    expect(JSON.stringify(Item).toLowerCase()).not.toContain(email.split('@')[0]);
  });

  it('gives each scope its own budget, restarts with the next window and says how long until then', async () => {
    const windowStart = 1_700_000_100_000; // epoch ms at the start of a 15-minute window
    let now = windowStart + 890_500;
    const limiter = createEmailRateLimit({ dynamo: first.app.aws.dynamo, table: first.app.resources.table, max: 2, now: () => now });
    const email = uniqueEmail();

    await limiter.consume('login', email);
    await limiter.consume('login', email);
    const error = await limiter.consume('login', email).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(HttpProblem);
    expect((error as HttpProblem).statusCode).toBe(429);
    expect((error as HttpProblem).headers).toEqual({ 'retry-after': '10' });

    await expect(limiter.consume('forgot-password', email)).resolves.toBeUndefined();
    now = windowStart + 900_000;
    await expect(limiter.consume('login', email)).resolves.toBeUndefined();

    await expect(limiter.consume('LOGIN#x', email)).rejects.toThrow(/scope/);
  });
});
