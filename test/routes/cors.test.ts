import { client, registeredUser, startAccountsApp } from '../helpers/accounts.js';
import { startApp, type RunningApp } from '../helpers/stack.js';
import { item, jpeg, type UploadAnswer } from '../helpers/uploads.js';

const APP_ORIGIN = 'http://localhost:8081';
const OTHER_ORIGIN = 'https://evil.example';

const preflight = (url: string, origin: string, method = 'POST', headers = 'authorization,content-type') =>
  fetch(url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': headers } });

describe('API CORS (default development origins: the Expo dev server)', () => {
  let server: RunningApp;
  beforeAll(async () => (server = await startApp()));
  afterAll(() => server.close());

  it('answers the preflight of a JSON POST with a bearer token from an allowed origin', async () => {
    const response = await preflight(`${server.url}/v1/uploads`, APP_ORIGIN);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(response.headers.get('access-control-allow-methods')?.split(',').map((m) => m.trim())).toEqual(expect.arrayContaining(['POST', 'DELETE']));
    const allowedHeaders = response.headers.get('access-control-allow-headers')?.toLowerCase().split(',').map((h) => h.trim());
    expect(allowedHeaders).toEqual(expect.arrayContaining(['authorization', 'content-type']));
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    expect(response.headers.get('vary')?.toLowerCase()).toContain('origin');
  });

  it('answers the preflight of a DELETE', async () => {
    const response = await preflight(`${server.url}/v1/photos/some-id`, 'http://127.0.0.1:8081', 'DELETE', 'authorization');
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:8081');
  });

  it('an actual request from an allowed origin gets the origin back and the headers the app reads exposed', async () => {
    const response = await fetch(`${server.url}/health/live`, { headers: { origin: APP_ORIGIN } });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    const exposed = response.headers.get('access-control-expose-headers')?.toLowerCase().split(',').map((h) => h.trim());
    expect(exposed).toEqual(expect.arrayContaining(['x-request-id', 'retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']));
  });

  it('a disallowed origin gets no Access-Control-Allow-Origin, on the preflight or the request', async () => {
    const pre = await preflight(`${server.url}/v1/uploads`, OTHER_ORIGIN);
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    const actual = await fetch(`${server.url}/health/live`, { headers: { origin: OTHER_ORIGIN } });
    expect(actual.status).toBe(200);
    // (@fastify/cors still lists the exposed headers; without Allow-Origin a browser reads none of them.)
    expect(actual.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('the served OpenAPI document lists no OPTIONS operation', async () => {
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.values(doc.paths).filter((operations) => 'options' in operations)).toEqual([]);
  });
});

describe('API CORS from CORS_ORIGINS', () => {
  let server: RunningApp;
  beforeAll(async () => (server = await startApp({ CORS_ORIGINS: 'https://app.example.com' })));
  afterAll(() => server.close());

  it('allows exactly the configured origins', async () => {
    const allowed = await preflight(`${server.url}/v1/uploads`, 'https://app.example.com');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    const expo = await preflight(`${server.url}/v1/uploads`, APP_ORIGIN);
    expect(expo.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('bucket CORS for presigned uploads (local S3)', () => {
  let server: Awaited<ReturnType<typeof startAccountsApp>>;
  let answer: UploadAnswer;
  let bytes: Buffer;
  beforeAll(async () => {
    server = await startAccountsApp();
    const api = client(server.url);
    const user = await registeredUser(api, 'cors');
    bytes = await jpeg(7);
    const reserved = await api.post<{ items: UploadAnswer[] }>('/v1/uploads', { items: [item('cors', bytes)] }, user.accessToken);
    expect(reserved.status).toBe(200);
    answer = reserved.body.items[0]!;
    expect(answer.upload?.url).toBeDefined();
  });
  afterAll(() => server.close());

  it('a presigned PUT from the app origin is allowed and exposes ETag', async () => {
    const headers = Object.keys(answer.upload!.headers ?? {}).join(',');
    const pre = await preflight(answer.upload!.url!, APP_ORIGIN, 'PUT', headers || 'content-type');
    expect(pre.status).toBe(200);
    expect(pre.headers.get('access-control-allow-origin')).not.toBeNull();

    const response = await fetch(answer.upload!.url!, { method: 'PUT', headers: { ...answer.upload!.headers, origin: APP_ORIGIN }, body: bytes });
    await response.arrayBuffer();
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(response.headers.get('access-control-expose-headers')?.split(',').map((h) => h.trim())).toContain('ETag');
    expect(response.headers.get('etag')).toMatch(/^"[0-9a-f]+"$/);
  });

  it('another origin is refused by the bucket', async () => {
    const pre = await preflight(answer.upload!.url!, OTHER_ORIGIN, 'PUT', 'content-type');
    expect(pre.status).toBe(403);
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('API CORS: what an allowed origin can read, and what a look-alike cannot', () => {
  let server: Awaited<ReturnType<typeof startAccountsApp>>;
  beforeAll(async () => (server = await startAccountsApp({ RATE_LIMIT_USER_PER_MINUTE: '1' })));
  afterAll(() => server.close());

  it('refusals (401, 429) reach the app with the origin allowed and Retry-After exposed, so it can act on them', async () => {
    const user = await registeredUser(client(server.url), 'cors-errors');
    const get = () => fetch(`${server.url}/v1/photos`, { headers: { origin: APP_ORIGIN, authorization: `Bearer ${user.accessToken}` } });
    expect((await get()).status).toBe(200);
    const answers = { unauthenticated: await fetch(`${server.url}/v1/photos`, { headers: { origin: APP_ORIGIN } }), limited: await get() };
    expect(answers.unauthenticated.status).toBe(401);
    expect(answers.limited.status).toBe(429);
    for (const response of Object.values(answers)) {
      expect(response.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
      expect(response.headers.get('access-control-allow-credentials')).toBeNull();
      expect(response.headers.get('access-control-expose-headers')?.toLowerCase()).toContain('retry-after');
    }
    expect(Number(answers.limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it.each([
    'http://localhost:8081.evil.example',
    'http://localhost:80810',
    'https://localhost:8081',
    'http://evil.localhost:8081',
    'http://localhost:8081/',
    'null',
  ])('a look-alike origin %s gets no Access-Control-Allow-Origin', async (origin) => {
    const pre = await preflight(`${server.url}/v1/photos`, origin, 'GET', 'authorization');
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    const actual = await fetch(`${server.url}/health/live`, { headers: { origin } });
    expect(actual.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('API CORS in production', () => {
  it('without CORS_ORIGINS no origin is allowed, not even the development ones', async () => {
    const server = await startApp({ NODE_ENV: 'production' });
    try {
      for (const origin of [APP_ORIGIN, 'http://127.0.0.1:8081', OTHER_ORIGIN]) {
        const pre = await preflight(`${server.url}/v1/uploads`, origin);
        expect({ origin, allowed: pre.headers.get('access-control-allow-origin') }).toEqual({ origin, allowed: null });
      }
    } finally {
      await server.close();
    }
  });
});
