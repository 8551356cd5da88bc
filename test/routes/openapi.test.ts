import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { formatDocument } from '../../src/schemas/openapi.js';
import { startApp, type RunningApp } from '../helpers/stack.js';

/**
 * GET /openapi.json is the mobile app's contract: its API types are generated from
 * mobile/openapi.json, so the document must be complete, lint-clean and what the service does.
 */

interface Schema {
  $ref?: string;
  [keyword: string]: unknown;
}
interface Response {
  description: string;
  content?: Record<string, { schema: Schema }>;
  headers?: Record<string, { description?: string; schema: Schema }>;
}
interface Operation {
  operationId?: string;
  security?: Record<string, string[]>[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, Response>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema>; securitySchemes: Record<string, unknown> };
}

const ROOT = path.resolve(__dirname, '../..');
const PROBLEM = 'application/problem+json';
const RATE_LIMIT_HEADERS = ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'];
/** Operations anyone may call: how a caller gets a token, the probes, the local mailbox. */
const PUBLIC = [
  ...['signUp', 'confirmSignUp', 'resendCode', 'login', 'refreshTokens', 'forgotPassword', 'resetPassword', 'live', 'ready', 'listDevMail'],
  // A share link's holder has no account: the token in the path is the credential (docs/sharing.md).
  ...['getSharedAlbum', 'uploadGuestPhotos', 'getSharePage', 'postSharePage'],
];
/** Pages for people (a share link's /s/{token}): their refusals are pages too, not problem+json. */
const isPage = (route: string) => route.startsWith('/s/');

let running: RunningApp;
let served: Document;
let operations: { method: string; path: string; operation: Operation }[];

beforeAll(async () => {
  running = await startApp();
  const response = await fetch(`${running.url}/openapi.json`);
  expect(response.status).toBe(200);
  served = (await response.json()) as Document;
  operations = Object.entries(served.paths).flatMap(([route, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ method, path: route, operation })),
  );
});
afterAll(() => running.close());

const byId = (id: string) => {
  const found = operations.find(({ operation }) => operation.operationId === id);
  if (!found) throw new Error(`no operation ${id}`);
  return found.operation;
};
const jsonSchemaOf = (response: Response | undefined, type = 'application/json') => response?.content?.[type]?.schema;
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

it('mobile/openapi.json is the document the service serves now', async () => {
  const onDisk = await readFile(path.join(ROOT, 'mobile/openapi.json'), 'utf8').catch(() => '');
  const fresh = formatDocument(served);
  if (onDisk !== fresh) {
    const lines = onDisk.split('\n');
    const at = fresh.split('\n').findIndex((line, i) => line !== lines[i]);
    throw new Error(`mobile/openapi.json is stale (first difference at line ${at + 1}): run \`npm run openapi\` and commit it`);
  }
});

it("passes redocly's recommended rules with no error and no warning", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'openapi-lint-'));
  try {
    const file = path.join(dir, 'openapi.json');
    await writeFile(file, JSON.stringify(served));
    const cli = path.join(ROOT, 'node_modules/@redocly/cli/bin/cli.js');
    const args = [cli, 'lint', '--config', path.join(ROOT, '.redocly.yaml'), '--format=json', file];
    // lint exits 1 when it finds errors; the JSON report on stdout says which either way.
    const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: dir, env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_NOTIFICATIONS: 'true' } }).catch(
      (error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }),
    );
    const report = JSON.parse(stdout) as { totals: { errors: number; warnings: number }; problems: { ruleId: string; message: string }[] };
    expect(report.problems.map((p) => `${p.ruleId}: ${p.message}`)).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

it('every operation has a unique camelCase operationId', () => {
  const ids = operations.map(({ operation }) => operation.operationId);
  expect(ids.length).toBeGreaterThanOrEqual(20);
  for (const id of ids) expect(id).toMatch(/^[a-z][a-zA-Z]+$/);
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids).toEqual(
    expect.arrayContaining(['signUp', 'login', 'listPhotos', 'getPhoto', 'trashPhoto', 'restorePhoto', 'listTrash', 'emptyTrash', 'requestUploads', 'completeUploads', 'getMe', 'deleteMe']),
  );
});

it('every response says what it is', () => {
  for (const { method, path: route, operation } of operations) {
    for (const [status, response] of Object.entries(operation.responses)) {
      expect({ at: `${method} ${route} ${status}`, description: response.description }).toEqual({
        at: `${method} ${route} ${status}`,
        description: expect.stringMatching(/^(?!Default Response$).{10,}/),
      });
    }
  }
});

it('every error answer is problem+json referencing the Problem component (the readiness report and the pages aside)', () => {
  let errors = 0;
  for (const { method, path: route, operation } of operations) {
    for (const [status, response] of Object.entries(operation.responses)) {
      if (Number(status) < 400 || (route === '/health/ready' && status === '503')) continue;
      if (isPage(route)) {
        expect({ at: `${method} ${route} ${status}`, html: response.content?.['text/html'] !== undefined }).toEqual({ at: `${method} ${route} ${status}`, html: true });
        continue;
      }
      errors += 1;
      expect({ at: `${method} ${route} ${status}`, content: response.content }).toEqual({
        at: `${method} ${route} ${status}`,
        content: { [PROBLEM]: { schema: ref('Problem') } },
      });
    }
  }
  expect(errors).toBeGreaterThan(50);
  expect(served.components.schemas.Problem).toMatchObject({ properties: { type: expect.any(Object), errors: expect.any(Object) } });
});

it('every /v1 operation documents its 4xx answers, every operation the 500, and every one with a body its 413 and 415', () => {
  for (const { method, path: route, operation } of operations) {
    const statuses = Object.keys(operation.responses);
    if (route.startsWith('/v1/')) expect({ at: `${method} ${route}`, has4xx: statuses.some((s) => s.startsWith('4')) }).toEqual({ at: `${method} ${route}`, has4xx: true });
    expect({ at: `${method} ${route}`, statuses }).toEqual({ at: `${method} ${route}`, statuses: expect.arrayContaining(['500']) });
    if (operation.requestBody) expect({ at: `${method} ${route}`, statuses }).toEqual({ at: `${method} ${route}`, statuses: expect.arrayContaining(['413', '415']) });
  }
});

it('shared shapes are named components, referenced rather than copied inline', () => {
  const names = Object.keys(served.components.schemas);
  expect(names).toEqual(
    expect.arrayContaining(['Photo', 'PhotoPage', 'UploadItem', 'UploadAnswer', 'CompleteItem', 'CompleteAnswer', 'Problem', 'FieldError', 'Usage', 'Me', 'Tokens']),
  );
  expect(jsonSchemaOf(byId('getPhoto').responses['200'])).toEqual(ref('Photo'));
  expect(jsonSchemaOf(byId('restorePhoto').responses['200'])).toEqual(ref('Photo'));
  expect(jsonSchemaOf(byId('listPhotos').responses['200'])).toEqual(ref('PhotoPage'));
  expect(jsonSchemaOf(byId('listTrash').responses['200'])).toEqual(ref('PhotoPage'));
  expect(served.components.schemas.PhotoPage).toMatchObject({ properties: { items: { items: ref('Photo') } } });
  expect(byId('requestUploads').requestBody?.content['application/json']?.schema).toMatchObject({ properties: { items: { items: ref('UploadItem') } } });
  expect(jsonSchemaOf(byId('requestUploads').responses['200'])).toMatchObject({ properties: { items: { items: ref('UploadAnswer') } } });
  expect(byId('completeUploads').requestBody?.content['application/json']?.schema).toMatchObject({ properties: { items: { items: ref('CompleteItem') } } });
  expect(jsonSchemaOf(byId('getMe').responses['200'])).toEqual(ref('Me'));
  expect(served.components.schemas.Me).toMatchObject({ properties: { usage: ref('Usage') } });
  expect(jsonSchemaOf(byId('login').responses['200'])).toEqual(ref('Tokens'));

  // No component's body appears inline anywhere else, and none is emitted without being used.
  const text = JSON.stringify(served);
  for (const [name, schema] of Object.entries(served.components.schemas)) {
    const body = JSON.stringify(schema);
    expect({ name, copies: text.split(body).length - 1 }).toEqual({ name, copies: 1 });
    expect({ name, referenced: text.includes(`"#/components/schemas/${name}"`) }).toEqual({ name, referenced: true });
  }
});

it('public operations say security: [] and every other one requires the bearer token', () => {
  expect(served.components.securitySchemes).toHaveProperty('bearerAuth');
  for (const { method, path: route, operation } of operations) {
    const expected = PUBLIC.includes(operation.operationId ?? '') ? [] : [{ bearerAuth: [] }];
    expect({ at: `${method} ${route}`, security: operation.security }).toEqual({ at: `${method} ${route}`, security: expected });
  }
});

it('Retry-After is documented on every 429 and problem 503, and the rate-limit headers on every answer of /v1/auth/*', () => {
  for (const { method, path: route, operation } of operations) {
    for (const [status, response] of Object.entries(operation.responses)) {
      const at = `${method} ${route} ${status}`;
      const headers = Object.keys(response.headers ?? {});
      if (status === '429' || (status === '503' && response.content?.[PROBLEM])) expect({ at, headers }).toEqual({ at, headers: expect.arrayContaining(['retry-after']) });
      if (route.startsWith('/v1/auth/')) expect({ at, headers }).toEqual({ at, headers: expect.arrayContaining(RATE_LIMIT_HEADERS) });
      for (const header of Object.values(response.headers ?? {})) expect(header).toEqual({ description: expect.any(String), schema: { type: 'integer' } });
    }
  }
  expect(operations.filter(({ operation }) => operation.responses['429']).length).toBeGreaterThanOrEqual(8);
});

describe('the documented answers are what the service sends', () => {
  const login = (init: RequestInit) => fetch(`${running.url}/v1/auth/login`, { method: 'POST', ...init });

  it.each([
    ['400', { headers: { 'content-type': 'application/json' }, body: '{"email":"nobody"}' }],
    ['415', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'email=a%40example.com' }],
    ['413', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'a@example.com', password: 'x'.repeat(2 * 1024 * 1024) }) }],
  ] as const)('login answers a documented %s as problem+json with the documented headers', async (status, init) => {
    const response = await login(init);
    expect(String(response.status)).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toMatchObject({ status: Number(status), type: expect.any(String), title: expect.any(String) });
    const documented = byId('login').responses[status];
    expect(documented?.content).toHaveProperty([PROBLEM]);
    for (const header of Object.keys(documented?.headers ?? {})) {
      if (header !== 'retry-after') expect({ header, value: response.headers.get(header) }).toEqual({ header, value: expect.stringMatching(/^\d+$/) });
    }
  });

  it('an address over the limit gets a 429 with Retry-After and the rate-limit headers, as documented', async () => {
    const limited = await startApp({ RATE_LIMIT_AUTH_IP_PER_MINUTE: '1' });
    try {
      const attempt = () => fetch(`${limited.url}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect((await attempt()).status).toBe(400);
      const refused = await attempt();
      expect(refused.status).toBe(429);
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      for (const header of Object.keys(byId('login').responses['429']?.headers ?? {})) {
        expect({ header, value: refused.headers.get(header) }).toEqual({ header, value: expect.stringMatching(/^\d+$/) });
      }
      expect(Object.keys(byId('login').responses['429']?.headers ?? {}).sort()).toEqual(['retry-after', ...RATE_LIMIT_HEADERS].sort());
    } finally {
      await limited.close();
    }
  });
});
