import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { buildApp } from '../../src/app.js';
import { testConfig } from '../helpers/stack.js';

/**
 * The error contract, through real HTTP: the app's own handlers plus two probe routes added
 * the way feature routes are (zod body schema; a handler that fails unexpectedly).
 */
describe('errors are RFC 9457 problem+json', () => {
  let app: FastifyInstance;
  let url: string;

  beforeAll(async () => {
    app = await buildApp(testConfig({ BODY_LIMIT_BYTES: '2048' }), { logger: false });
    const typed = app.withTypeProvider<ZodTypeProvider>();
    typed.post(
      '/probe/items',
      {
        schema: {
          body: z.object({
            name: z.string().min(1),
            size: z.number().int().positive(),
            tags: z.array(z.string()).max(2).optional(),
          }),
        },
      },
      async (request) => ({ received: request.body.name }),
    );
    typed.get('/probe/crash', async () => {
      throw new Error('db password is hunter2 at /srv/internal.ts:42');
    });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => app.close());

  async function call(path: string, init?: RequestInit) {
    const response = await fetch(`${url}${path}`, init);
    const text = await response.text();
    return { status: response.status, type: response.headers.get('content-type'), body: JSON.parse(text) as Record<string, unknown>, text };
  }
  const json = (body: string) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body });

  it('a valid body passes', async () => {
    const res = await call('/probe/items', json('{"name":"a","size":1}'));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ received: 'a' });
  });

  it('validation errors list each bad field', async () => {
    const res = await call('/probe/items', json('{"name":"","size":-3,"tags":["a","b","c"]}'));
    expect(res.status).toBe(400);
    expect(res.type).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ type: expect.stringContaining('/problems/validation'), title: expect.any(String), status: 400 });
    const paths = (res.body.errors as { path: string; message: string }[]).map((e) => e.path).sort();
    expect(paths).toEqual(['body.name', 'body.size', 'body.tags']);
  });

  it('malformed JSON is a 400', async () => {
    const res = await call('/probe/items', json('{"name": "a", '));
    expect(res.status).toBe(400);
    expect(res.type).toMatch(/^application\/problem\+json/);
    expect(res.body.type).toContain('/problems/malformed-json');
  });

  it('an unknown route is a 404', async () => {
    const res = await call('/v1/nothing-here');
    expect(res.status).toBe(404);
    expect(res.type).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 404, type: expect.stringContaining('/problems/not-found') });
  });

  it('a wrong media type is a 415', async () => {
    const res = await call('/probe/items', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: 'a,b' });
    expect(res.status).toBe(415);
    expect(res.type).toMatch(/^application\/problem\+json/);
    expect(res.body.type).toContain('/problems/unsupported-media-type');
  });

  it('a body over the limit is a 413', async () => {
    const res = await call('/probe/items', json(JSON.stringify({ name: 'x'.repeat(5000), size: 1 })));
    expect(res.status).toBe(413);
    expect(res.type).toMatch(/^application\/problem\+json/);
    expect(res.body.type).toContain('/problems/payload-too-large');
  });

  it('an unexpected error is a 500 without internals', async () => {
    const res = await call('/probe/crash');
    expect(res.status).toBe(500);
    expect(res.type).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 500, type: expect.stringContaining('/problems/internal') });
    expect(res.text).not.toMatch(/hunter2|internal\.ts|at \//);
  });

  it('responses carry security headers and a request id', async () => {
    const response = await fetch(`${url}/health/live`);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('strict-transport-security')).toMatch(/max-age=/);
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
