import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { loadConfig } from '../../src/config.js';
import { keys } from '../../src/data/keys.js';
import { fixedWindow } from '../../src/lib/fixed-window.js';
import { HttpProblem } from '../../src/lib/problem.js';
import { createEmailRateLimit, createUserRateLimit, EMAIL_WINDOW_SECONDS, emailSubject } from '../../src/plugins/app/rate-limits.js';
import { client, registeredUser, startAccountsApp } from '../helpers/accounts.js';
import { failingDynamo } from '../helpers/failing-aws.js';
import { startApp, testConfig, type RunningApp, buildTestApp } from '../helpers/stack.js';
import { item, jpeg } from '../helpers/uploads.js';

/**
 * The auth rate limits through real HTTP on the real app: probe routes are wired the way the auth
 * routes are (`onRequest: app.authRateLimit`, `app.emailRateLimit.consume(scope, email)`).
 */
async function serve(env: Record<string, string>): Promise<{ app: FastifyInstance; url: string }> {
  const app = await buildTestApp(testConfig(env));
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

describe('per-IP limit on the real auth routes', () => {
  let server: RunningApp;
  let authRoutes: { method: string; path: string }[];
  const LIMIT = 8;
  beforeAll(async () => {
    server = await startApp({ TRUST_PROXY: '2', RATE_LIMIT_AUTH_IP_PER_MINUTE: String(LIMIT) });
    const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    authRoutes = Object.entries(document.paths)
      .filter(([path]) => path.startsWith('/v1/auth/'))
      .flatMap(([path, operations]) => Object.keys(operations).map((method) => ({ method: method.toUpperCase(), path })));
  });
  afterAll(() => server.close());

  it('every /v1/auth/* route draws from one per-IP budget and answers 429 problem+json with Retry-After past it', async () => {
    expect(authRoutes.map((r) => r.path).sort()).toEqual(
      ['confirm', 'forgot-password', 'login', 'logout', 'refresh', 'resend-code', 'reset-password', 'signup'].map((name) => `/v1/auth/${name}`),
    );
    expect(authRoutes.length).toBe(LIMIT);
    // An empty body: the limit is counted before the request is read, so these are refused as invalid (or
    // unauthenticated), never served; an attacker's malformed flood counts as much as real attempts.
    const send = (route: { method: string; path: string }, ip: string) =>
      call(`${server.url}${route.path}`, { method: route.method, headers: { ...from(ip).headers, 'content-type': 'application/json' }, body: '{}' });
    const ip = '203.0.113.40';
    for (const route of authRoutes) expect({ route: route.path, status: (await send(route, ip)).status }).toEqual({ route: route.path, status: expect.any(Number) });
    for (const route of authRoutes) {
      const refused = await send(route, ip);
      expect({ route: route.path, status: refused.status }).toEqual({ route: route.path, status: 429 });
      expectTooMany(refused, 60);
    }
    // Another address still has its budget.
    expect((await send(authRoutes[0]!, '203.0.113.41')).status).not.toBe(429);
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


/** Waits for the next fixed window when the current one is about to end: counts restart at a window's edge. */
async function clearOfWindowEdge(windowSeconds: number, marginSeconds = 8): Promise<void> {
  const { secondsLeft } = fixedWindow(Date.now(), windowSeconds);
  if (secondsLeft < marginSeconds) await sleep(secondsLeft * 1000 + 200);
}

/**
 * The app's DynamoDB calls about one user, counted on the wire by a proxy in front of the local DynamoDB
 * (whichever client of the app made them; the revocation feed's polls name no user).
 */
async function dynamoOnTheWire() {
  const proxy = await failingDynamo(testConfig().aws.endpoints.dynamodb!);
  return {
    endpoints: { dynamodb: proxy.endpoint },
    close: () => proxy.close(),
    async during<T>(userId: string, run: () => Promise<T>): Promise<{ result: T; operations: string[] }> {
      const from = proxy.calls.length;
      const result = await run();
      return { result, operations: proxy.calls.slice(from).filter((c) => c.body.includes(userId)).map((c) => c.operation) };
    },
  };
}

describe('per-user limit on the authenticated routes (in memory, per instance)', () => {
  let server: Awaited<ReturnType<typeof startAccountsApp>>;
  let wire: Awaited<ReturnType<typeof dynamoOnTheWire>>;
  const LIMIT = 6;
  beforeAll(async () => {
    wire = await dynamoOnTheWire();
    server = await startAccountsApp({ RATE_LIMIT_USER_PER_MINUTE: String(LIMIT), WORKER_CONCURRENCY: '0' }, { endpoints: wire.endpoints });
  });
  afterAll(async () => {
    await server.close();
    await wire.close();
  });

  it('the (max+1)-th request of one user, on any of the routes, is a 429 problem with Retry-After; others are not affected', async () => {
    const api = client(server.url);
    const [ada, bob] = await Promise.all([registeredUser(api, 'rl-user-a'), registeredUser(api, 'rl-user-b')]);
    await clearOfWindowEdge(60);
    const paths = ['/v1/me', '/v1/photos', '/v1/trash', '/v1/photos/no-such-photo', '/v1/photos?limit=5', '/v1/me'];
    expect(paths).toHaveLength(LIMIT);
    const statuses = [];
    for (const path of paths) statuses.push((await api.get(path, ada.accessToken)).status);
    expect(statuses).toEqual([200, 200, 200, 404, 200, 200]);

    for (const [method, path] of [['GET', '/v1/photos'], ['DELETE', '/v1/photos/no-such-photo'], ['POST', '/v1/photos/no-such-photo/restore'], ['DELETE', '/v1/trash']] as const) {
      const refused = await wire.during(ada.userId, () => call(`${server.url}${path}`, { method, headers: { authorization: `Bearer ${ada.accessToken}` } }));
      expectTooMany(refused.result, 60);
      expect(refused.result.body.detail).toMatch(/^Too many requests for this account; try again in \d+ s$/);
      // Refused before the route runs: no DynamoDB call, nothing changed.
      expect({ path, operations: refused.operations }).toEqual({ path, operations: [] });
    }
    // The limit is per user: another account is untouched, and its hot read is still one call with the limiter on.
    const other = await wire.during(bob.userId, () => api.get('/v1/photos', bob.accessToken));
    expect(other.result.status).toBe(200);
    expect(other.operations).toEqual(['Query']);
    // No token is still a 401: the token is checked first, and an unknown caller spends nobody's budget.
    expect((await api.get('/v1/photos')).status).toBe(401);
  });
});

describe('per-user limit on upload batches (DynamoDB, shared by every instance)', () => {
  let first: Awaited<ReturnType<typeof startAccountsApp>>;
  let second: Awaited<ReturnType<typeof startAccountsApp>>;
  let wire: Awaited<ReturnType<typeof dynamoOnTheWire>>;
  const env = { RATE_LIMIT_UPLOAD_BATCHES_PER_MINUTE: '3', WORKER_CONCURRENCY: '0' };
  beforeAll(async () => {
    wire = await dynamoOnTheWire();
    [first, second] = await Promise.all([startAccountsApp(env, { endpoints: wire.endpoints }), startAccountsApp(env)]);
  });
  afterAll(async () => {
    await Promise.all([first.close(), second.close()]);
    await wire.close();
  });

  it('the 4th batch (request or complete) of one user is a 429 even when the batches hit two instances; a refused one costs no write', async () => {
    const [apiA, apiB] = [client(first.url), client(second.url)];
    const [ada, bob] = await Promise.all([registeredUser(apiA, 'rl-upload-a'), registeredUser(apiA, 'rl-upload-b')]);
    const bytes = await jpeg(11);
    const batch = { items: [item('one', bytes)] };
    await clearOfWindowEdge(60);

    const reserved = await apiA.post<{ items: { photoId: string }[] }>('/v1/uploads', batch, ada.accessToken);
    expect(reserved.status).toBe(200);
    const complete = { items: [{ photoId: reserved.body.items[0]!.photoId }] };
    expect((await apiB.post('/v1/uploads/complete', complete, ada.accessToken)).status).toBe(200);
    expect((await apiB.post('/v1/uploads', batch, ada.accessToken)).status).toBe(200);

    const counted = await wire.during(ada.userId, () => apiA.post('/v1/uploads/complete', complete, ada.accessToken));
    // The batch that crosses the limit was counted in the shared table, and went no further.
    expect(counted.operations).toEqual(['UpdateItem']);
    const refused = counted.result;
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({ status: 429, type: 'https://auroravault.dev/problems/too-many-requests' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);

    // This instance now knows: the next refusals cost no DynamoDB call at all.
    const again = await wire.during(ada.userId, () => apiA.post('/v1/uploads', batch, ada.accessToken));
    expect(again.result.status).toBe(429);
    expect(again.operations).toEqual([]);
    expect((await apiB.post('/v1/uploads', batch, ada.accessToken)).status).toBe(429);

    // Another user has their own budget, and the user's reads are not upload batches.
    expect((await apiB.post('/v1/uploads', { items: [item('bob', bytes)] }, bob.accessToken)).status).toBe(200);
    expect((await apiA.get('/v1/photos', ada.accessToken)).status).toBe(200);
  });
});

describe('per-user limiters as plain functions', () => {
  const request = (userId: string | undefined) => ({ user: userId === undefined ? null : { userId } }) as unknown as FastifyRequest;
  const reply = {} as FastifyReply;

  it('count per user in fixed windows, say how long until the next one, and let everything through when unconfigured', async () => {
    let now = 1_700_000_020_000; // 40 s into a minute
    const limit = createUserRateLimit({ max: 2, now: () => now });
    await limit(request('a'), reply);
    await limit(request('a'), reply);
    await limit(request('b'), reply);
    const error = await limit(request('a'), reply).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(HttpProblem);
    expect((error as HttpProblem).statusCode).toBe(429);
    expect((error as HttpProblem).headers).toEqual({ 'retry-after': '20' });
    now += 20_000; // the next minute
    await expect(limit(request('a'), reply)).resolves.toBeUndefined();

    const open = createUserRateLimit({ max: undefined });
    for (let i = 0; i < 1000; i++) await open(request('a'), reply);
  });

  it('are on by default in production only, and configurable', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).rateLimits).toMatchObject({ userPerMinute: 1200, uploadBatchesPerMinute: 300 });
    expect(loadConfig({ NODE_ENV: 'production', RATE_LIMIT_USER_PER_MINUTE: '50', RATE_LIMIT_UPLOAD_BATCHES_PER_MINUTE: '7' }).rateLimits).toMatchObject({
      userPerMinute: 50,
      uploadBatchesPerMinute: 7,
    });
    // Tests and the local app poll freely unless they ask for a limit.
    expect(loadConfig({ NODE_ENV: 'test' }).rateLimits).toMatchObject({ userPerMinute: undefined, uploadBatchesPerMinute: undefined });
    expect(() => loadConfig({ RATE_LIMIT_USER_PER_MINUTE: '0' })).toThrow(/RATE_LIMIT_USER_PER_MINUTE/);
  });

  it('refuse to run before authentication (a wiring bug), instead of counting everyone under one key', async () => {
    await expect(createUserRateLimit({ max: 5 })(request(undefined), reply)).rejects.toThrow(/after app.authenticate/);
  });
});
