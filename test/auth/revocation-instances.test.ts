import { client, GOOD_PASSWORD, latestCode, registeredUser, startAccountsApp, waitUntil, withinOneSecond, type ApiClient } from '../helpers/accounts.js';
import { testConfig } from '../helpers/stack.js';
import { failingDynamo } from '../helpers/failing-aws.js';
import { clientLimit } from '../../src/aws/limits.js';

type Server = Awaited<ReturnType<typeof startAccountsApp>>;
type Session = { accessToken: string; refreshToken: string };

/** The propagation the design promises (one poll interval plus the query), with room for a loaded machine. */
const ELSEWHERE_MS = 2500;

const issuedAt = (token: string): number => (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { iat: number }).iat;
const status = async (api: ApiClient, token: string) => (await api.get('/v1/me', token)).status;
const refusedWithin = (api: ApiClient, token: string, ms: number) =>
  waitUntil(async () => ((await status(api, token)) === 401 ? true : undefined), ms);

/**
 * Two instances of the service on one stack: A, and B whose DynamoDB traffic goes through a proxy
 * that counts it and can fail it. Logouts on A reach B through the revocation feed.
 */
describe('revocation on every instance without a database read per request', () => {
  let a: Server;
  let b: Server;
  let apiA: ApiClient;
  let apiB: ApiClient;
  let proxy: Awaited<ReturnType<typeof failingDynamo>>;

  /** B's strongly consistent reads of revocation records (the per-request path before the feed). */
  const recordReads = () => proxy.calls.filter((c) => c.operation === 'GetItem' && c.body.includes('"REVOCATION"')).length;
  const feedPolls = () => proxy.calls.filter((c) => c.operation === 'Query' && c.body.includes('REVOCATIONS#')).length;

  beforeAll(async () => {
    proxy = await failingDynamo(testConfig().aws.endpoints.dynamodb!);
    a = await startAccountsApp();
    b = await startAccountsApp({ AWS_MAX_ATTEMPTS: '1' }, { endpoints: { dynamodb: proxy.endpoint } });
    apiA = client(a.url);
    apiB = client(b.url);
  });
  afterAll(async () => {
    await b.close();
    await a.close();
    await proxy.close();
  });
  afterEach(async () => {
    proxy.failing.clear();
    await waitUntil(async () => (b.app.revocations.isCurrent() ? true : undefined));
  });

  it('logout on A: the token is refused on A at once and on B within about two seconds', async () => {
    const user = await registeredUser(apiA, 'feed-logout');
    expect(await status(apiB, user.accessToken)).toBe(200);

    expect((await apiA.post('/v1/auth/logout', undefined, user.accessToken)).status).toBe(204);
    expect(await status(apiA, user.accessToken)).toBe(401);
    await refusedWithin(apiB, user.accessToken, ELSEWHERE_MS);
    expect(await status(apiB, user.accessToken)).toBe(401);
  });

  it('a login right after the logout, in the same second, is accepted on both instances', async () => {
    const user = await registeredUser(apiA, 'feed-second');
    const login = async () => {
      const response = await apiA.post<Session>('/v1/auth/login', { email: user.email, password: GOOD_PASSWORD });
      expect(response.status).toBe(200);
      return response.body;
    };
    const { before, after } = await withinOneSecond(async () => {
      const before = await login();
      expect((await apiA.post('/v1/auth/logout', undefined, before.accessToken)).status).toBe(204);
      const after = await login();
      const revoked = await a.app.users.revocation(user.userId);
      return { before, after, seconds: [issuedAt(before.accessToken), revoked!.revokedBefore, issuedAt(after.accessToken)] };
    });

    expect(await status(apiA, after.accessToken)).toBe(200);
    expect(await status(apiB, after.accessToken)).toBe(200);
    // Once B knows the revocation (the older token of that very second is refused there) the new one still passes.
    await refusedWithin(apiB, before.accessToken, ELSEWHERE_MS);
    expect(await status(apiB, after.accessToken)).toBe(200);
    expect(await status(apiA, before.accessToken)).toBe(401);
  });

  it('a password reset on A ends older tokens on A at once and on B within about two seconds', async () => {
    const user = await registeredUser(apiA, 'feed-reset');
    expect(await status(apiB, user.accessToken)).toBe(200);
    expect((await apiA.post('/v1/auth/forgot-password', { email: user.email })).status).toBe(202);
    const code = await latestCode(apiA, user.email, /reset/i);
    expect((await apiA.post('/v1/auth/reset-password', { email: user.email, code, newPassword: 'Feed-Reset-Pass-9' })).status).toBe(200);

    expect(await status(apiA, user.accessToken)).toBe(401);
    await refusedWithin(apiB, user.accessToken, ELSEWHERE_MS);
  });

  it('in the steady state authenticate() makes no DynamoDB call, and B polls the feed about once a second whatever the request rate', async () => {
    const user = await registeredUser(apiA, 'feed-steady');
    proxy.calls.length = 0;
    const started = Date.now();
    const requests = 120;
    for (let batch = 0; batch < requests / 12; batch++) {
      const answers = await Promise.all(Array.from({ length: 12 }, () => status(apiB, user.accessToken)));
      expect(answers).toEqual(Array(12).fill(200));
    }
    const elapsed = Date.now() - started;

    expect(recordReads()).toBe(0);
    // The counter does see the route's own reads: one profile GetItem per request.
    expect(proxy.calls.filter((c) => c.operation === 'GetItem' && c.body.includes('"PROFILE"'))).toHaveLength(requests);
    expect(feedPolls()).toBeLessThanOrEqual(Math.ceil(elapsed / b.app.config.revocations.pollIntervalMs) + 1);
  });

  it('when B cannot poll, past the bound it reads the record per request: a revoked token is never accepted past the bound', async () => {
    const user = await registeredUser(apiA, 'feed-down');
    const bound = 3 * b.app.config.revocations.pollIntervalMs;
    proxy.failing.add('Query');
    expect((await apiA.post('/v1/auth/logout', undefined, user.accessToken)).status).toBe(204);
    const loggedOutAt = Date.now();

    // Whatever B answers before, no request that starts past the bound after its last good poll gets in.
    const accepted: number[] = [];
    await waitUntil(async () => {
      const sentAt = Date.now();
      const answer = await status(apiB, user.accessToken);
      if (answer === 200) accepted.push(sentAt);
      return answer === 401 ? true : undefined;
    }, bound + 2000);
    const lastSync = b.app.revocations.lastSyncedAt;
    expect(lastSync).toBeLessThan(loggedOutAt);
    for (const sentAt of accepted) expect(sentAt).toBeLessThanOrEqual(lastSync + bound);

    // Not current any more: every request reads the record (today's path), so a revocation holds at once.
    await waitUntil(async () => (b.app.revocations.isCurrent() ? undefined : true));
    const other = await registeredUser(apiA, 'feed-down-2');
    const reads = recordReads();
    expect(await status(apiB, other.accessToken)).toBe(200);
    expect(recordReads()).toBe(reads + 1);
    expect((await apiA.post('/v1/auth/logout', undefined, other.accessToken)).status).toBe(204);
    expect(await status(apiB, other.accessToken)).toBe(401);

    // Polls work again: B decides from its view, without reads.
    proxy.failing.clear();
    await waitUntil(async () => (b.app.revocations.isCurrent() ? true : undefined));
    const readsAfter = recordReads();
    expect(await status(apiB, other.accessToken)).toBe(401);
    expect(await status(apiB, user.accessToken)).toBe(401);
    expect(recordReads()).toBe(readsAfter);
  });

  it('with DynamoDB unreachable from B, B fails closed past the bound: 503 problem+json with Retry-After, never the route', async () => {
    const user = await registeredUser(apiA, 'feed-unreachable');
    proxy.failing.add('*');
    await waitUntil(async () => (b.app.revocations.isCurrent() ? undefined : true));
    const response = await apiB.get('/v1/me', user.accessToken);
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(response.body.detail).toMatch(/Sessions cannot be checked/);
  });

  it('a stopped poller (or one that never started) means record reads, never a frozen view; closing the app stops it', async () => {
    const c = await startAccountsApp();
    try {
      const apiC = client(c.url);
      const user = await registeredUser(apiA, 'feed-stopped');
      expect(await status(apiC, user.accessToken)).toBe(200);
      await c.app.revocations.stop();
      expect((await apiA.post('/v1/auth/logout', undefined, user.accessToken)).status).toBe(204);
      expect(await status(apiC, user.accessToken)).toBe(401);
    } finally {
      await c.close();
    }
    const d = await startAccountsApp();
    expect(d.app.revocations.stopped).toBe(false);
    await d.close();
    expect(d.app.revocations.stopped).toBe(true);
  });
});

describe('the revocation poll under overload', () => {
  let server: Server;
  let api: ApiClient;
  beforeAll(async () => {
    server = await startAccountsApp({ AWS_MAX_CONCURRENCY: '1', AWS_MAX_QUEUED: '0', REVOCATION_POLL_MS: '200' });
    api = client(server.url);
  });
  afterAll(async () => {
    await server.close();
  });

  it('keeps the view current while every DynamoDB slot of request traffic is taken: the poll has its own lane', async () => {
    const user = await registeredUser(api, 'feed-lane');
    const requestLane = clientLimit(server.app.aws.dynamo)!;
    const release = await requestLane.acquire();
    try {
      // Requests that need DynamoDB are shed at once (no slot, no queue)...
      const shed = await api.get('/v1/me', user.accessToken);
      expect(shed.status).toBe(503);
      expect(shed.headers.get('retry-after')).toMatch(/^\d+$/);
      // ...while polls keep landing: past three intervals (the stale bound) the view is still current.
      const before = server.app.revocations.lastSyncedAt;
      await waitUntil(async () => (server.app.revocations.lastSyncedAt > before + 600 ? true : undefined), 5000);
      expect(server.app.revocations.isCurrent()).toBe(true);
      expect(requestLane.stats()).toMatchObject({ active: 1, queued: 0 });
    } finally {
      release();
    }
    expect((await api.get('/v1/me', user.accessToken)).status).toBe(200);
  });
});
