import type { FastifyInstance } from 'fastify';
import { testConfig, buildTestApp } from '../helpers/stack.js';

async function serve(env: Record<string, string> = {}): Promise<{ app: FastifyInstance; url: string }> {
  const app = await buildTestApp(testConfig(env));
  app.get('/probe/ip', async (request) => ({ ip: request.ip }));
  return { app, url: await app.listen({ port: 0, host: '127.0.0.1' }) };
}

describe('request ids', () => {
  let server: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => (server = await serve()));
  afterAll(() => server.app.close());

  it("keeps a caller's well-formed X-Request-Id and replaces a malformed one", async () => {
    const kept = await fetch(`${server.url}/health/live`, { headers: { 'x-request-id': 'mobile-1234-abcd' } });
    expect(kept.headers.get('x-request-id')).toBe('mobile-1234-abcd');
    const replaced = await fetch(`${server.url}/health/live`, { headers: { 'x-request-id': `<script>${'x'.repeat(300)}` } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('client address behind proxies', () => {
  const ipFor = async (url: string, forwardedFor: string) =>
    ((await (await fetch(`${url}/probe/ip`, { headers: { 'x-forwarded-for': forwardedFor } })).json()) as { ip: string }).ip;

  it('TRUST_PROXY=2 (CloudFront + ALB) takes the address CloudFront saw, ignoring what the client forged', async () => {
    const server = await serve({ TRUST_PROXY: '2' });
    try {
      // The socket peer (the ALB here) is hop 0; the ALB appended CloudFront's address (hop 1).
      expect(await ipFor(server.url, '203.0.113.7, 198.51.100.1')).toBe('203.0.113.7');
      expect(await ipFor(server.url, '10.9.9.9, 203.0.113.7, 198.51.100.1')).toBe('203.0.113.7');
    } finally {
      await server.app.close();
    }
  });

  it('without TRUST_PROXY the socket address is used', async () => {
    const server = await serve();
    try {
      expect(await ipFor(server.url, '203.0.113.7')).toBe('127.0.0.1');
    } finally {
      await server.app.close();
    }
  });
});
