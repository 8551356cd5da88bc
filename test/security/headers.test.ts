import { client, registeredUser, startAccountsApp } from '../helpers/accounts.js';

/**
 * Security headers on every kind of API answer: JSON data, the problems (401, 404, 400, 429), the probes
 * and the OpenAPI document. Helmet's set, nothing that names the server software.
 */
let server: Awaited<ReturnType<typeof startAccountsApp>>;
let answers: Record<string, Response>;

beforeAll(async () => {
  server = await startAccountsApp({ RATE_LIMIT_USER_PER_MINUTE: '3' });
  const api = client(server.url);
  const user = await registeredUser(api, 'headers');
  const bearer = { authorization: `Bearer ${user.accessToken}` };
  const get = (path: string, headers: Record<string, string> = bearer) => fetch(`${server.url}${path}`, { headers });
  answers = {
    'timeline (200)': await get('/v1/photos'),
    'profile (200)': await get('/v1/me'),
    'unknown photo (404)': await get('/v1/photos/no-such-photo'),
    'over the per-user limit (429)': await get('/v1/trash'),
    'no token (401)': await get('/v1/photos', {}),
    'invalid body (400)': await fetch(`${server.url}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }),
    'liveness (200)': await get('/health/live', {}),
    'OpenAPI document (200)': await get('/openapi.json', {}),
    'no route (404)': await get('/v1/nothing-here', {}),
  };
  for (const response of Object.values(answers)) await response.arrayBuffer();
});
afterAll(() => server?.close());

describe('security headers', () => {
  it('the answers are the kinds named (the 429 is a real refusal)', () => {
    expect(Object.fromEntries(Object.entries(answers).map(([name, r]) => [name, r.status]))).toEqual({
      'timeline (200)': 200,
      'profile (200)': 200,
      'unknown photo (404)': 404,
      'over the per-user limit (429)': 429,
      'no token (401)': 401,
      'invalid body (400)': 400,
      'liveness (200)': 200,
      'OpenAPI document (200)': 200,
      'no route (404)': 404,
    });
  });

  it("every answer carries helmet's set: HSTS for a year with subdomains, nosniff, no framing, no referrer, a same-origin CSP", () => {
    for (const [name, response] of Object.entries(answers)) {
      const h = (header: string) => response.headers.get(header);
      expect({
        name,
        hsts: h('strict-transport-security'),
        nosniff: h('x-content-type-options'),
        frame: h('x-frame-options'),
        referrer: h('referrer-policy'),
        csp: h('content-security-policy')?.includes("default-src 'self'") && h('content-security-policy')?.includes("frame-ancestors 'self'"),
        corp: h('cross-origin-resource-policy'),
        coop: h('cross-origin-opener-policy'),
        crossDomain: h('x-permitted-cross-domain-policies'),
      }).toEqual({
        name,
        hsts: expect.stringMatching(/^max-age=(3153600\d|[4-9]\d{7,}|\d{9,});\s*includeSubDomains/),
        nosniff: 'nosniff',
        frame: 'SAMEORIGIN',
        referrer: 'no-referrer',
        csp: true,
        corp: 'same-origin',
        coop: 'same-origin',
        crossDomain: 'none',
      });
    }
  });

  it('no answer may be kept by a cache: they carry tokens, one user\'s data and expiring URLs', () => {
    for (const [name, response] of Object.entries(answers)) {
      expect({ name, cacheControl: response.headers.get('cache-control') }).toEqual({ name, cacheControl: 'no-store' });
    }
  });

  it('no answer names the software behind it', () => {
    for (const [name, response] of Object.entries(answers)) {
      expect({ name, poweredBy: response.headers.get('x-powered-by'), server: response.headers.get('server') }).toEqual({ name, poweredBy: null, server: null });
    }
  });

  it('the problems are problem+json (so a browser never sniffs them into HTML)', () => {
    for (const [name, response] of Object.entries(answers).filter(([, r]) => r.status >= 400)) {
      expect({ name, type: response.headers.get('content-type') }).toEqual({ name, type: expect.stringMatching(/^application\/problem\+json/) });
    }
  });
});
