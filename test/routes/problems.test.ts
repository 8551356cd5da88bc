import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { MAX_PARAM_LENGTH } from '../../src/plugins/app/body-parsing.js';
import { testConfig, buildTestApp } from '../helpers/stack.js';

/**
 * The error contract, through real HTTP: the app's own handlers plus two probe routes added
 * the way feature routes are (zod body schema; a handler that fails unexpectedly).
 */
describe('errors are RFC 9457 problem+json', () => {
  let app: FastifyInstance;
  let url: string;

  beforeAll(async () => {
    app = await buildTestApp(testConfig({ BODY_LIMIT_BYTES: '2048' }));
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

  it('a path parameter the router refuses (too long, broken percent-encoding) is a 400 problem, not Fastify\'s own JSON', async () => {
    for (const path of [`/v1/photos/${'a'.repeat(MAX_PARAM_LENGTH + 1)}`, '/v1/photos/%E0%A4%A', '/v1/photos/%C0%AF']) {
      const res = await call(path);
      expect({ path, status: res.status, type: res.type }).toEqual({ path, status: 400, type: expect.stringMatching(/^application\/problem\+json/) });
      expect(res.body).toMatchObject({ type: expect.stringContaining('/problems/validation'), status: 400, errors: [{ path: 'params', message: expect.any(String) }] });
      expect(res.text).not.toContain('FST_ERR');
    }
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

/**
 * Hostile bodies through real HTTP (src/plugins/app/body-parsing.ts): media types, charsets, missing
 * and empty bodies, deep nesting, size, prototype keys. The default body limit (1 MB), two probe
 * routes: the item schema above, and an echo of free-form JSON (what a route returning its input does).
 */
describe('request bodies', () => {
  let app: FastifyInstance;
  let url: string;

  beforeAll(async () => {
    app = await buildTestApp(testConfig());
    const typed = app.withTypeProvider<ZodTypeProvider>();
    typed.post('/probe/items', { schema: { body: z.object({ name: z.string().min(1), size: z.number().int().positive() }) } }, async (request) => ({
      received: request.body.name,
    }));
    typed.post('/probe/echo', { schema: { body: z.object({ data: z.unknown() }) } }, async (request) => ({ data: request.body.data }));
    typed.get('/probe/query', { schema: { querystring: z.object({ q: z.string().optional() }) } }, async (request) => ({ keys: Object.keys(request.query) }));
    url = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => app.close());

  async function send(path: string, contentType: string | undefined, body: RequestInit["body"], method = 'POST') {
    const response = await fetch(`${url}${path}`, { method, headers: contentType ? { 'content-type': contentType } : {}, body, duplex: 'half' } as RequestInit);
    const text = await response.text();
    return { status: response.status, type: response.headers.get('content-type'), text, body: JSON.parse(text) as Record<string, unknown> };
  }
  const problemOf = (kind: string) => ({ type: `https://auroravault.dev/problems/${kind}` });

  it('a text/plain body is a 415, on probe and real routes alike (it used to reach validation as a string; signed-in routes: test/fuzz)', async () => {
    for (const path of ['/probe/items', '/v1/auth/login', '/v1/auth/signup']) {
      const res = await send(path, 'text/plain', '{"name":"a","size":1}');
      expect({ path, status: res.status, type: res.type }).toEqual({ path, status: 415, type: expect.stringMatching(/^application\/problem\+json/) });
      expect(res.body).toMatchObject({ ...problemOf('unsupported-media-type'), status: 415 });
    }
  });

  it('charset variants of application/json are JSON; another charset is a 415', async () => {
    for (const type of ['application/json', 'application/json; charset=utf-8', 'application/json;charset=UTF-8', 'Application/JSON; charset="utf-8"', 'application/json; charset=utf8']) {
      const res = await send('/probe/items', type, JSON.stringify({ name: 'é😀\u202e', size: 1 }));
      expect({ type, status: res.status, body: res.body }).toEqual({ type, status: 200, body: { received: 'é😀\u202e' } });
    }
    for (const type of ['application/json; charset=latin1', 'application/json; charset=utf-16', 'application/json; charset="iso-8859-1"']) {
      const res = await send('/probe/items', type, JSON.stringify({ name: 'a', size: 1 }));
      expect({ type, status: res.status }).toEqual({ type, status: 415 });
      expect(res.body).toMatchObject(problemOf('unsupported-media-type'));
    }
  });

  it('other JSON-like and form types are a 415', async () => {
    for (const type of ['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/problem+json', 'application/json-patch+json', 'text/json']) {
      const res = await send('/probe/items', type, '{"name":"a","size":1}');
      expect({ type, status: res.status }).toEqual({ type, status: 415 });
    }
  });

  it('no body where one is required is a 400 naming body; an empty JSON body is a 400 malformed-json', async () => {
    const missing = await send('/probe/items', undefined, undefined);
    expect(missing.status).toBe(400);
    expect(missing.type).toMatch(/^application\/problem\+json/);
    expect(missing.body).toMatchObject({ ...problemOf('validation'), errors: [{ path: 'body', message: expect.any(String) }] });
    const empty = await send('/probe/items', 'application/json', '');
    expect(empty.status).toBe(400);
    expect(empty.body).toMatchObject(problemOf('malformed-json'));
  });

  it('a body nested 10,000 levels deep is a 400 naming body (it reached the serializer and was a 500)', async () => {
    const deep = `{"data":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    const res = await send('/probe/echo', 'application/json', deep);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ ...problemOf('validation'), errors: [{ path: 'body', message: expect.stringContaining('levels deep') }] });
    // 32 levels (the limit) still pass, strings full of brackets do not count as nesting.
    const atLimit = `{"data":${'['.repeat(31)}"[[[[{{{{\\"]]]"${']'.repeat(31)}}`;
    const ok = await send('/probe/echo', 'application/json', atLimit);
    expect(ok.status).toBe(200);
    expect(JSON.stringify(ok.body)).toBe(atLimit);
  });

  it('bodies nested 100,000 levels deep are refused while a concurrent health check is answered', async () => {
    const deep = `{"data":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`;
    const [health, ...refused] = await Promise.all([
      fetch(`${url}/health/live`).then((r) => r.status),
      ...Array.from({ length: 4 }, () => send('/probe/echo', 'application/json', deep).then((r) => r.status)),
    ]);
    expect(health).toBe(200);
    expect(refused).toEqual([400, 400, 400, 400]);
  });

  it('a body over the limit is a 413 also when it is streamed without a Content-Length', async () => {
    const chunk = new TextEncoder().encode(`"${'x'.repeat(64 * 1024)}",`);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === 0) controller.enqueue(new TextEncoder().encode('{"data":['));
        if (sent++ < 20) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const res = await send('/probe/echo', 'application/json', stream);
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject(problemOf('payload-too-large'));
  });

  it('prototype keys in bodies are refused and in query strings ignored: no object is polluted', async () => {
    const bodies = [
      '{"name":"a","size":1,"__proto__":{"polluted":"yes"}}',
      '{"name":"a","size":1,"constructor":{"prototype":{"polluted":"yes"}}}',
      '{"data":[{"x":{"__proto__":{"polluted":"yes"}}}]}',
    ];
    for (const body of bodies) {
      const res = await send(body.startsWith('{"data"') ? '/probe/echo' : '/probe/items', 'application/json', body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
    }
    const query = await send('/probe/query?__proto__[polluted]=yes&constructor[prototype][polluted]=yes&__proto__.polluted=yes&q=1', undefined, undefined, 'GET');
    expect(query.status).toBe(200);
    expect(query.body).toEqual({ keys: ['q'] });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });
});
