import { createApiClient, resolveBaseUrl } from '../../src/core/api-client';
import { ApiError } from '../../src/core/errors';
import { createTokenStore, type Tokens } from '../../src/core/tokens';
import { fakeAdapter, problem, type FakeRequest } from '../helpers/fake-http';
import { MemoryStore } from '../helpers/memory-store';

const photo = { id: 'p1', status: 'ready', filename: 'a.jpg', contentType: 'image/jpeg', size: 1, sha256: 'x', takenAt: 't', uploadedAt: 't', urls: { original: 'u' } };

async function setup(handler: (r: FakeRequest) => ReturnType<Parameters<typeof fakeAdapter>[0]>, tokens: Tokens | null = { accessToken: 'old', refreshToken: 'r1' }) {
  const store = createTokenStore(null, new MemoryStore());
  if (tokens) await store.save(tokens);
  const fake = fakeAdapter(handler);
  const api = createApiClient({ baseURL: 'http://api.test', tokens: store, adapter: fake.adapter, now: () => 1_000_000 });
  const signedOut = jest.fn();
  api.onSignedOut(signedOut);
  return { api, store, requests: fake.requests, signedOut };
}

describe('the API client', () => {
  test('sends the bearer token and fills path parameters, encoded', async () => {
    const { api, requests } = await setup(() => ({ status: 200, body: photo }));
    const answer = await api.request('get', '/v1/photos/{id}', { path: { id: 'a/b' } });
    expect(answer.id).toBe('p1');
    expect(requests[0]).toMatchObject({ method: 'GET', url: '/v1/photos/a%2Fb', headers: { authorization: 'Bearer old' } });
  });

  test('a 401 refreshes once and repeats the call with the new token', async () => {
    const { api, store, requests, signedOut } = await setup((r) => {
      if (r.url === '/v1/auth/refresh') return { status: 200, body: { accessToken: 'new', idToken: 'i', expiresIn: 3600, tokenType: 'Bearer' } };
      return r.headers.authorization === 'Bearer new' ? { status: 200, body: photo } : problem(401, 'Unauthorized');
    });
    await expect(api.request('get', '/v1/photos/{id}', { path: { id: 'p1' } })).resolves.toMatchObject({ id: 'p1' });
    expect(requests.map((r) => r.url)).toEqual(['/v1/photos/p1', '/v1/auth/refresh', '/v1/photos/p1']);
    expect(requests[1]!.body).toEqual({ refreshToken: 'r1' });
    expect(requests[1]!.headers.authorization).toBeUndefined();
    expect(await store.load()).toEqual({ accessToken: 'new', idToken: 'i', refreshToken: 'r1', expiresAt: 1_000_000 + 3_600_000 });
    expect(signedOut).not.toHaveBeenCalled();
  });

  test('concurrent 401s share one refresh', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let refused = 0;
    const { api, requests } = await setup(async (r) => {
      if (r.url === '/v1/auth/refresh') {
        await gate; // the refresh answers only once all three calls have had their 401
        return { status: 200, body: { accessToken: 'new', idToken: 'i', expiresIn: 3600, tokenType: 'Bearer' } };
      }
      if (r.headers.authorization === 'Bearer new') return { status: 200, body: photo };
      if (++refused === 3) release();
      return problem(401, 'Unauthorized');
    });
    await Promise.all([1, 2, 3].map((n) => api.request('get', '/v1/photos/{id}', { path: { id: `p${n}` } })));
    expect(requests.filter((r) => r.url === '/v1/auth/refresh')).toHaveLength(1);
    expect(requests.filter((r) => r.headers.authorization === 'Bearer new')).toHaveLength(3);
  });

  test('a 401 that arrives after another call already refreshed reuses the new token', async () => {
    let fastDone!: () => void;
    const fastFinished = new Promise<void>((resolve) => (fastDone = resolve));
    const { api, requests } = await setup(async (r) => {
      if (r.url === '/v1/auth/refresh') return { status: 200, body: { accessToken: 'new', idToken: 'i', expiresIn: 3600, tokenType: 'Bearer' } };
      if (r.headers.authorization === 'Bearer new') return { status: 200, body: photo };
      if (r.url === '/v1/photos/slow') await fastFinished; // its 401 comes back after the other call refreshed
      return problem(401, 'Unauthorized');
    });
    const slow = api.request('get', '/v1/photos/{id}', { path: { id: 'slow' } });
    await api.request('get', '/v1/photos/{id}', { path: { id: 'fast' } });
    fastDone();
    await slow;
    expect(requests.filter((r) => r.url === '/v1/auth/refresh')).toHaveLength(1);
    expect(requests.map((r) => [r.url, r.headers.authorization])).toContainEqual(['/v1/photos/slow', 'Bearer new']);
  });

  test('a refused refresh signs out: tokens cleared, one event, the 401 is thrown', async () => {
    const { api, store, signedOut } = await setup((r) => (r.url === '/v1/auth/refresh' ? problem(401, 'Unauthorized') : problem(401, 'Unauthorized')));
    const error = await api.request('get', '/v1/me').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(401);
    expect(await store.load()).toBeNull();
    expect(signedOut).toHaveBeenCalledTimes(1);
  });

  test('a refresh that cannot reach the server keeps the session (offline is not signed out)', async () => {
    const { api, store, signedOut } = await setup((r) => {
      if (r.url === '/v1/auth/refresh') throw new Error('offline');
      return problem(401, 'Unauthorized');
    });
    const error = (await api.request('get', '/v1/me').catch((e: unknown) => e)) as ApiError;
    expect(error.isNetworkError).toBe(true);
    expect(await store.load()).not.toBeNull();
    expect(signedOut).not.toHaveBeenCalled();
  });

  test('a 401 again with the fresh token signs out', async () => {
    const { api, signedOut } = await setup((r) =>
      r.url === '/v1/auth/refresh' ? { status: 200, body: { accessToken: 'new', idToken: 'i', expiresIn: 3600, tokenType: 'Bearer' } } : problem(401, 'Unauthorized'),
    );
    await expect(api.request('get', '/v1/me')).rejects.toMatchObject({ status: 401 });
    expect(signedOut).toHaveBeenCalledTimes(1);
  });

  test('problem+json answers become typed errors with field errors and Retry-After', async () => {
    const { api } = await setup(() => problem(429, 'Too Many Requests', { detail: 'slow down', errors: [{ path: 'items.0.size', message: 'too big' }] }, { 'retry-after': '7' }));
    const error = (await api.request('post', '/v1/uploads/complete', { body: { items: [{ photoId: 'p' }] } }).catch((e: unknown) => e)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 429, title: 'Too Many Requests', detail: 'slow down', errors: [{ path: 'items.0.size', message: 'too big' }], retryAfterMs: 7000 });
    expect(error.retryable).toBe(true);
  });

  test('login stores the tokens; public calls carry no Authorization', async () => {
    const { api, store, requests } = await setup(
      () => ({ status: 200, body: { accessToken: 'a', idToken: 'i', refreshToken: 'r', expiresIn: 60, tokenType: 'Bearer' } }),
      null,
    );
    await api.login('me@example.com', 'pw');
    expect(await store.load()).toMatchObject({ accessToken: 'a', refreshToken: 'r', expiresAt: 1_000_000 + 60_000 });
    expect(requests[0]!.headers.authorization).toBeUndefined();
  });

  test('without tokens an authenticated call fails at once as signed out, with no request', async () => {
    const { api, requests } = await setup(() => ({ status: 200 }), null);
    await expect(api.request('get', '/v1/me')).rejects.toMatchObject({ status: 401 });
    expect(requests).toHaveLength(0);
  });

  test('logout clears the tokens even when the server cannot be reached', async () => {
    const { api, store } = await setup(() => {
      throw new Error('offline');
    });
    await expect(api.logout()).rejects.toMatchObject({ status: 0 });
    expect(await store.load()).toBeNull();
  });
});

describe('resolveBaseUrl', () => {
  test('EXPO_PUBLIC_API_URL wins; else the web origin; a native build without it is an error', () => {
    expect(resolveBaseUrl('http://10.0.2.2:3000/', 'http://127.0.0.1:3000')).toBe('http://10.0.2.2:3000');
    expect(resolveBaseUrl(undefined, 'http://127.0.0.1:3000')).toBe('http://127.0.0.1:3000');
    expect(() => resolveBaseUrl('', undefined)).toThrow(/EXPO_PUBLIC_API_URL/);
  });
});

describe('an access token past its expiry', () => {
  const expired = { accessToken: 'old', refreshToken: 'r1', expiresAt: 1_000_000 - 1 };
  const refreshed = { status: 200, body: { accessToken: 'new', idToken: 'i', expiresIn: 3600, tokenType: 'Bearer' } };

  test('is refreshed before the call (no 401 round trip); concurrent calls share the refresh', async () => {
    const { api, requests } = await setup((r) => (r.url === '/v1/auth/refresh' ? refreshed : r.headers.authorization === 'Bearer new' ? { status: 200, body: photo } : problem(401, 'Unauthorized')), expired);
    await Promise.all([api.request('get', '/v1/photos/{id}', { path: { id: 'p1' } }), api.request('get', '/v1/photos/{id}', { path: { id: 'p2' } })]);
    expect(requests.map((r) => r.url)).toEqual(['/v1/auth/refresh', '/v1/photos/p1', '/v1/photos/p2']);
  });

  test('offline: the call is still tried (and fails as a network error), the session stays', async () => {
    const { api, store, signedOut } = await setup(() => {
      throw new Error('offline');
    }, expired);
    await expect(api.request('get', '/v1/me')).rejects.toMatchObject({ status: 0 });
    expect(await store.load()).not.toBeNull();
    expect(signedOut).not.toHaveBeenCalled();
  });

  test('a refused refresh signs out without making the call', async () => {
    const { api, requests, signedOut } = await setup(() => problem(401, 'Unauthorized'), expired);
    await expect(api.request('get', '/v1/me')).rejects.toMatchObject({ status: 401 });
    expect(requests.map((r) => r.url)).toEqual(['/v1/auth/refresh']);
    expect(signedOut).toHaveBeenCalledTimes(1);
  });
});
