import fc from 'fast-check';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { MAX_PARAM_LENGTH } from '../../src/plugins/app/body-parsing.js';
import { client, registeredUser, startAccountsApp, type ApiClient } from '../helpers/accounts.js';
import { hostileString, hostileValue, headerValue, resolver, valueFor, type JsonSchema, type Resolve } from './arbitraries.js';
import { inParallel } from '../helpers/parallel.js';
import { item, jpeg } from '../helpers/uploads.js';

/**
 * Property-based fuzzing of every route the app documents (its own OpenAPI document, so a new route
 * is fuzzed without touching this file): path parameters, query strings, headers and JSON bodies
 * shaped by each route's schema with hostile values mixed in, sent in-process with app.inject.
 * Authenticated routes get a real user's token (most cases reach validation and the handlers), each
 * route its own user, so a route that ends a session or an account (logout, account deletion) only
 * ends its own. FUZZ_RUNS sets the cases per route; fast-check prints the seed of a failure.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);

/**
 * The operations anyone may call without a token: how a caller gets one, the probes, the local mailbox, and
 * share links (their token is in the path). Every other route answering a 2xx without a valid bearer token
 * is a violation, whatever its document says about its security.
 */
const PUBLIC = new Set([
  'signUp',
  'confirmSignUp',
  'resendCode',
  'login',
  'refreshTokens',
  'forgotPassword',
  'resetPassword',
  'live',
  'ready',
  'listDevMail',
  'getSharedAlbum',
  'uploadGuestPhotos',
  'getSharePage',
  'postSharePage',
]);

interface Operation {
  method: string;
  /** OpenAPI path, e.g. /v1/photos/{id}. */
  path: string;
  id: string;
  secured: boolean;
  pathParams: { name: string; schema: JsonSchema }[];
  queryParams: { name: string; schema: JsonSchema }[];
  body?: JsonSchema;
  documented: Set<number>;
  /** Statuses that may be answered as a page (text/html), not JSON or problem+json: the share link pages. */
  html: Set<number>;
}

interface OpenApiOperation {
  operationId?: string;
  security?: unknown[];
  parameters?: { in: string; name: string; schema: JsonSchema }[];
  requestBody?: { content?: Record<string, { schema: JsonSchema }> };
  responses: Record<string, { content?: Record<string, unknown> }>;
}

function operations(app: FastifyInstance): { list: Operation[]; resolve: Resolve } {
  const doc = app.swagger() as unknown as {
    paths: Record<string, Record<string, OpenApiOperation>>;
    components?: { schemas?: Record<string, JsonSchema> };
  };
  const list = Object.entries(doc.paths).flatMap(([path, byMethod]) =>
    Object.entries(byMethod).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      id: op.operationId ?? `${method} ${path}`,
      secured: (op.security ?? []).length > 0,
      pathParams: (op.parameters ?? []).filter((p) => p.in === 'path'),
      queryParams: (op.parameters ?? []).filter((p) => p.in === 'query'),
      body: op.requestBody?.content?.['application/json']?.schema,
      documented: new Set(Object.keys(op.responses).map(Number)),
      html: new Set(
        Object.entries(op.responses)
          .filter(([, response]) => Object.keys(response.content ?? {}).includes('text/html'))
          .map(([status]) => Number(status)),
      ),
    })),
  );
  return { list, resolve: resolver(doc.components?.schemas) };
}

/** One generated request, before it is turned into inject options. */
interface Case {
  params: Record<string, string>;
  query: [string, string][];
  token: 'valid' | 'none' | 'garbage';
  garbageToken: string;
  headers: Record<string, string>;
  contentType: string | undefined;
  body: { kind: 'json'; value: unknown } | { kind: 'raw'; text: string } | { kind: 'none' };
}

const contentTypes = fc.oneof(
  { weight: 10, arbitrary: fc.constant('application/json') },
  { weight: 1, arbitrary: fc.constantFrom('application/json; charset=utf-8', 'APPLICATION/JSON;charset="UTF-8"') },
  { weight: 2, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'text/plain; charset=utf-8', 'application/json; charset=latin1', 'application/xml', '*/*', 'application/json-seq') },
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: headerValue },
);

/** Raw bodies that are not JSON, or JSON that carries prototype keys the serializer of a value never writes. */
const rawBodies = fc.oneof(
  fc.constantFrom(
    '{"items":[{"__proto__":{"status":"ready"}}]}',
    '{"constructor":{"prototype":{"isAdmin":true}}}',
    '{"email":"a@b.co","__proto__":{"polluted":1}}',
    '{',
    '[',
    'null',
    '"text"',
    '1e999',
    '{"a":1,"a":2}',
    '\ufeff{}',
    '{"email":"\\ud800@b.co"}',
  ),
  fc.string({ maxLength: 60 }),
  fc.jsonValue({ maxDepth: 2 }).map((v) => {
    const text = JSON.stringify(v) ?? 'null';
    return text.slice(0, Math.max(1, text.length - 1));
  }),
);

/** A generated value as path text: JSON for anything but a string (String() throws on an object with its own toString key). */
const asText = (value: unknown) => (typeof value === 'string' ? value : (JSON.stringify(value) ?? ''));

function caseFor(op: Operation, resolve: Resolve, knownIds: string[]): fc.Arbitrary<Case> {
  const params = fc.record(
    Object.fromEntries(
      op.pathParams.map((p) => [p.name, fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...knownIds) }, { weight: 3, arbitrary: valueFor(p.schema, resolve).map(asText) }, { weight: 1, arbitrary: hostileString })]),
    ),
  ) as fc.Arbitrary<Record<string, string>>;
  const declared = op.queryParams.map((p) => fc.option(fc.tuple(fc.constant(p.name), valueFor(p.schema, resolve).map((v) => (typeof v === 'string' ? v : JSON.stringify(v) ?? ''))), { freq: 2 }));
  const extra = fc.array(
    fc.tuple(fc.oneof(hostileString, fc.constantFrom('__proto__', '__proto__[polluted]', 'constructor[prototype][polluted]', '__proto__.polluted', ...op.queryParams.map((p) => p.name))), hostileString),
    { maxLength: 3 },
  );
  const query = fc.tuple(fc.tuple(...declared), extra).map(([known, more]) => [...known.filter((q): q is [string, string] => q !== null), ...more]);
  const body: fc.Arbitrary<Case['body']> = op.body
    ? fc.oneof(
        { weight: 8, arbitrary: valueFor(op.body, resolve).map((value) => ({ kind: 'json' as const, value })) },
        { weight: 2, arbitrary: rawBodies.map((text) => ({ kind: 'raw' as const, text })) },
        { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
      )
    : fc.oneof({ weight: 6, arbitrary: fc.constant({ kind: 'none' as const }) }, { weight: 1, arbitrary: hostileValue.map((value) => ({ kind: 'json' as const, value })) });
  const headers = fc.dictionary(
    fc.constantFrom('x-request-id', 'accept', 'accept-encoding', 'x-forwarded-for', 'origin', 'x-http-method-override', 'if-none-match', 'range', 'x-amz-security-token'),
    headerValue,
    { maxKeys: 3 },
  );
  return fc.record({
    params,
    query,
    token: fc.constantFrom<Case['token']>('valid', 'valid', 'valid', 'valid', 'none', 'garbage'),
    garbageToken: headerValue,
    headers,
    contentType: contentTypes,
    body,
  });
}

const wellFormed = (text: string) => text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');

function inject(op: Operation, c: Case, token: string | undefined): InjectOptions {
  const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(wellFormed(c.params[name] ?? '')));
  // URLSearchParams cannot carry lone surrogates: those go out as U+FFFD, as a browser would send them.
  const search = new URLSearchParams(c.query.map(([k, v]) => [wellFormed(k), wellFormed(v)] as [string, string])).toString();
  const headers: Record<string, string> = { ...c.headers };
  if (c.token === 'valid' && token) headers.authorization = `Bearer ${token}`;
  if (c.token === 'garbage') headers.authorization = c.garbageToken;
  let payload: string | undefined;
  if (c.body.kind === 'json') payload = JSON.stringify(c.body.value) ?? 'null';
  if (c.body.kind === 'raw') payload = c.body.text;
  if (payload !== undefined && c.contentType !== undefined) headers['content-type'] = c.contentType;
  return { method: op.method as InjectOptions['method'], url: search ? `${path}?${search}` : path, headers, payload };
}

const INTERNALS = /\n\s+at |node_modules|\/work\/|\bsrc\/|\.[jt]s:\d+|\b(?:TypeError|RangeError|ReferenceError|SyntaxError)\b|FST_ERR|Exception\b|ConditionalCheck|cognito-local|s3rver/i;

/** What every answer must be; returns what is wrong, or undefined. */
function violation(op: Operation, c: Case, response: LightMyRequestResponse): string | undefined {
  const { statusCode: status } = response;
  if (status >= 500) return `a ${status}`;
  // The body parser's 413 and 415 are documented on routes with a body schema; a body sent to a route
  // without one meets them as well (see docs: every body is JSON, within BODY_LIMIT_BYTES).
  const parserAnswer = c.body.kind !== 'none' && (status === 413 || status === 415);
  if (!op.documented.has(status) && !parserAnswer) return `status ${status} is not documented for ${op.id} (${[...op.documented].join(', ')})`;
  if (!PUBLIC.has(op.id) && c.token !== 'valid' && status < 400) return `answered ${status} without a valid token`;
  if (op.html.has(status) && /^text\/html/.test(String(response.headers['content-type']))) {
    // A page for a person, nothing of the internals.
    if (status >= 400 && INTERNALS.test(response.body)) return 'internals in the page';
  } else if (status >= 400) {
    if (INTERNALS.test(response.body)) return 'internals in the body';
    if (!/^application\/problem\+json/.test(String(response.headers['content-type']))) return `content-type ${response.headers['content-type']}`;
    const problem = JSON.parse(response.body) as { type?: unknown; title?: unknown; status?: unknown; detail?: unknown; errors?: { path: string }[] };
    if (problem.status !== status || typeof problem.title !== 'string' || typeof problem.type !== 'string' || !problem.type.startsWith('https://auroravault.dev/problems/')) {
      return 'not a problem document of its status';
    }
    if (problem.type.endsWith('/validation')) {
      const paths = (problem.errors ?? []).map((e) => e.path);
      if (paths.length === 0 || paths.some((p) => !/^(body|querystring|params|headers)\b/.test(p))) return `validation errors without field paths: ${JSON.stringify(problem.errors)}`;
      // Schema validation names each path in the detail too; a domain check (a wrong code) may word it for a person.
      if (typeof problem.detail !== 'string' || problem.detail.length === 0) return 'a validation problem without a detail';
    }
  } else if (status !== 204 && !/^application\/json/.test(String(response.headers['content-type']))) {
    return `content-type ${response.headers['content-type']} on a ${status}`;
  }
  // A body with any content type but JSON is refused before validation or authentication.
  const sentBody = c.body.kind !== 'none';
  const json = c.contentType !== undefined && /^application\/json\s*(;\s*charset="?utf-?8"?\s*)?$/i.test(c.contentType);
  // (A signed-in route may check the token first: a 401 then comes before the 415. And the router refuses a
  // path parameter over its length limit before any route runs: that 400 names `params`.)
  const paramTooLong = Object.values(c.params).some((value) => encodeURIComponent(wellFormed(value)).length > MAX_PARAM_LENGTH);
  const refusedFirst = (op.secured && c.token !== 'valid' && status === 401) || (paramTooLong && status === 400);
  if (op.body && sentBody && c.contentType !== undefined && !json && status !== 415 && !refusedFirst) return `a ${c.contentType} body answered ${status}, not 415`;
  return undefined;
}

const prototypeNames = Object.getOwnPropertyNames(Object.prototype).sort();

describe('fuzzing every documented route', () => {
  let server: Awaited<ReturnType<typeof startAccountsApp>>;
  let api: ApiClient;
  let app: FastifyInstance;

  beforeAll(async () => {
    server = await startAccountsApp({ SWEEP_INTERVAL_SECONDS: '0', RATE_LIMIT_AUTH_IP_PER_MINUTE: '1000000', RATE_LIMIT_AUTH_EMAIL_PER_15_MINUTES: '1000000' });
    api = client(server.url);
    app = server.app;
  });
  afterAll(() => server.close());

  it('enumerates the routes from the app itself', () => {
    const ids = operations(app).list.map((op) => op.id);
    expect(ids).toEqual(expect.arrayContaining(['signUp', 'login', 'logout', 'getMe', 'deleteMe', 'listPhotos', 'getPhoto', 'trashPhoto', 'requestUploads', 'completeUploads', 'emptyTrash']));
    expect(ids.length).toBeGreaterThanOrEqual(20);
  });

  it('the routes documented without a bearer token are exactly the public list', () => {
    const open = operations(app).list.filter((op) => !op.secured).map((op) => op.id);
    expect(open.sort()).toEqual([...PUBLIC].sort());
  });

  it('prototype-pollution payloads in bodies and query strings change nothing, stored or in memory', async () => {
    const user = await registeredUser(api, 'fuzz-proto');
    const reserved = await api.post<{ items: { photoId: string }[] }>('/v1/uploads', { items: [item('seed', await jpeg(2))] }, user.accessToken);
    const photoId = reserved.body.items[0]!.photoId;
    const state = async () => ({
      photo: (await api.get(`/v1/photos/${photoId}`, user.accessToken)).body,
      me: (await api.get('/v1/me', user.accessToken)).body,
      timeline: (await api.get('/v1/photos', user.accessToken)).body,
    });
    const before = await state();
    expect(before.photo).toMatchObject({ id: photoId, status: 'uploading' });
    const auth = { authorization: `Bearer ${user.accessToken}`, 'content-type': 'application/json' };
    const bodies: [string, string][] = [
      ['/v1/uploads/complete', `{"items":[{"photoId":"${photoId}","__proto__":{"status":"ready","parts":[]}}]}`],
      ['/v1/uploads/complete', `{"items":[{"photoId":"${photoId}"}],"constructor":{"prototype":{"status":"ready"}}}`],
      ['/v1/uploads', '{"__proto__":{"items":[]},"items":[{"clientRef":"x","filename":"a.jpg","contentType":"image/jpeg","size":1,"sha256":"x"}]}'],
      ['/v1/auth/login', '{"email":"a@b.co","password":"x","__proto__":{"isAdmin":true}}'],
    ];
    for (const [url, payload] of bodies) {
      const response = await app.inject({ method: 'POST', url, headers: auth, payload });
      expect({ url, payload, status: response.statusCode }).toEqual({ url, payload, status: 400 });
    }
    for (const url of [`/v1/photos/${photoId}?__proto__[status]=ready&constructor[prototype][status]=ready`, '/v1/photos?__proto__[limit]=1&__proto__=x&limit=5']) {
      const response = await app.inject({ method: 'GET', url, headers: { authorization: auth.authorization } });
      expect({ url, status: response.statusCode }).toEqual({ url, status: 200 });
    }
    expect(await state()).toEqual(before);
    expect(({} as Record<string, unknown>).status).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeNames);
  });

  it(`never a 5xx, always problem+json with the documented status (${RUNS} cases per route)`, async () => {
    const { list, resolve } = operations(app);
    // Each authenticated route gets its own user, with one reserved photo whose id the cases may name. A few
    // sign-ups at a time: sixty at once only measure how a loaded machine copes with Cognito and SES locally.
    const users = new Map(
      await inParallel(
        list.filter((op) => op.secured),
        6,
        async (op) => {
          const user = await registeredUser(api, `fuzz-${op.id}`);
          const reserved = await api.post<{ items: { photoId: string }[] }>('/v1/uploads', { items: [item('seed', await jpeg(1))] }, user.accessToken);
          return [op.id, { token: user.accessToken, photoId: reserved.body.items[0]!.photoId }] as const;
        },
      ),
    );
    const failures: string[] = [];
    const started = Date.now();
    let cases = 0;
    for (const op of list) {
      const user = users.get(op.id);
      const knownIds = user ? [user.photoId] : ['p1'];
      const property = fc.asyncProperty(caseFor(op, resolve, knownIds), async (c) => {
        cases++;
        const response = await app.inject(inject(op, c, user?.token));
        const wrong = violation(op, c, response);
        if (wrong) throw new Error(`${op.method} ${op.path}: ${wrong}\nanswer ${response.statusCode}: ${response.body.slice(0, 500)}`);
      });
      const result = await fc.check(property, { numRuns: RUNS });
      if (result.failed) failures.push(`${String(result.errorInstance)}\n${fc.defaultReportMessage(result) ?? ''}`);
    }
    // Whatever the cases sent (prototype keys included), no object of this process was polluted.
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeNames);
    // Printed for the record: how many cases in how long.
    console.log(`fuzz: ${cases} cases over ${list.length} routes in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    expect(failures).toEqual([]);
  }, 240_000);
});
