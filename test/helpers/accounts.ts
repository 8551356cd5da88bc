import { randomBytes, randomUUID } from 'node:crypto';
import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { FastifyInstance } from 'fastify';
import { createDynamoClient } from '../../src/aws/dynamodb.js';
import { createSqsClient } from '../../src/aws/sqs.js';
import type { AppConfig } from '../../src/config.js';
import { provisionTable } from '../../src/local/provision.js';
import { TestQueues } from '../jobs/helpers.js';
import { registerCallSecrets, registerSecret } from './log-capture.js';
import { buildTestApp, testConfig } from './stack.js';

export const GOOD_PASSWORD = 'Photos-Forever-2026';
registerSecret('password', GOOD_PASSWORD);

export interface JsonResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

/** A small JSON client for the real HTTP API. */
export function client(baseUrl: string) {
  async function call<T = Record<string, unknown>>(method: string, path: string, body?: unknown, token?: string): Promise<JsonResponse<T>> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    const response = await fetch(`${baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    const answer = (text ? JSON.parse(text) : null) as T;
    registerCallSecrets(token, body, answer);
    return { status: response.status, headers: response.headers, body: answer };
  }
  return {
    get: <T = Record<string, unknown>>(path: string, token?: string) => call<T>('GET', path, undefined, token),
    post: <T = Record<string, unknown>>(path: string, body?: unknown, token?: string) => call<T>('POST', path, body, token),
    delete: <T = Record<string, unknown>>(path: string, token?: string) => call<T>('DELETE', path, undefined, token),
  };
}

export type ApiClient = ReturnType<typeof client>;

/** When each address of uniqueEmail was made: no mail to it is older, so its mailbox is read from then. */
const madeAt = new Map<string, number>();

export const uniqueEmail = (label: string) => {
  const email = `${label}-${randomUUID().slice(0, 8)}@Example.com`;
  madeAt.set(email.toLowerCase(), Date.now());
  return email;
};

interface Mail {
  subject: string;
  text?: string;
  html?: string;
}

export async function mailTo(api: ApiClient, email: string): Promise<Mail[]> {
  const to = email.toLowerCase();
  // The local SES keeps every mail of the test run; reading only those since the address was made (a second
  // early, the emulator keeps whole seconds) keeps each answer small however long the run has been going.
  const made = madeAt.get(to);
  const since = made === undefined ? '' : `&since=${encodeURIComponent(new Date(made - 1000).toISOString())}`;
  const response = await api.get<{ items: Mail[] }>(`/_dev/mail?to=${encodeURIComponent(to)}${since}`);
  if (response.status !== 200) throw new Error(`GET /_dev/mail: ${response.status} ${JSON.stringify(response.body)}`);
  for (const mail of response.body.items) registerSecret('email body', mail.text);
  return response.body.items;
}

/** The newest code Cognito mailed (local mode: captured by /_dev/mail). */
export async function latestCode(api: ApiClient, email: string, subject: RegExp): Promise<string> {
  const mail = (await mailTo(api, email)).find((m) => subject.test(m.subject));
  const code = /\b(\d{6})\b/.exec(mail?.text ?? '')?.[1];
  if (!code) throw new Error(`no code mailed to ${email} (subject ${subject})`);
  registerSecret('code', code);
  return code;
}

export async function waitUntil<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface TestAppOptions {
  /** A table of its own (dropped on close): its sweeps, run at any clock, see only this app's records. */
  privateTable?: boolean;
  /** Endpoint overrides, e.g. a private EventBridge a test stops and starts. */
  endpoints?: Partial<AppConfig['aws']['endpoints']>;
}

/**
 * The real app with job workers on a private queue pair (other test files' apps never take its
 * jobs), so welcome emails really go out through the pool.
 */
export async function startAccountsApp(
  env: Record<string, string> = {},
  options: TestAppOptions = {},
): Promise<{ app: FastifyInstance; url: string; close(): Promise<void> }> {
  const base = testConfig({ WORKER_CONCURRENCY: '2', WORKER_WAIT_SECONDS: '1', RATE_LIMIT_AUTH_IP_PER_MINUTE: '10000', ...env });
  const sqs = createSqsClient(base);
  const queues = new TestQueues(sqs);
  const pair = await queues.create(10);
  const dynamo = options.privateTable ? createDynamoClient(base) : undefined;
  const table = dynamo ? `test-${randomBytes(4).toString('hex')}` : base.resources.table!;
  if (dynamo) await provisionTable(dynamo as unknown as DynamoDBClient, table);
  const config = { ...base, resources: { ...base.resources, ...pair, table }, aws: { ...base.aws, endpoints: { ...base.aws.endpoints, ...options.endpoints } } };
  const app = await buildTestApp(config);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    app,
    url,
    close: async () => {
      await app.close();
      await queues.deleteAll();
      sqs.destroy();
      if (dynamo) {
        await dynamo.send(new DeleteTableCommand({ TableName: table })).catch(() => undefined);
        dynamo.destroy();
      }
    },
  };
}

/** Signs up, confirms with the mailed code and signs in: a ready-to-use account. */
export async function registeredUser(api: ApiClient, label: string) {
  const email = uniqueEmail(label);
  const signup = await api.post<{ userId: string }>('/v1/auth/signup', { email, password: GOOD_PASSWORD, name: 'Ada Lovelace' });
  if (signup.status !== 201) throw new Error(`signup: ${signup.status} ${JSON.stringify(signup.body)}`);
  const code = await latestCode(api, email, /verification/i);
  const confirm = await api.post('/v1/auth/confirm', { email, code });
  if (confirm.status !== 200) throw new Error(`confirm: ${confirm.status} ${JSON.stringify(confirm.body)}`);
  const login = await api.post<{ accessToken: string; idToken: string; refreshToken: string }>('/v1/auth/login', { email, password: GOOD_PASSWORD });
  if (login.status !== 200) throw new Error(`login: ${login.status} ${JSON.stringify(login.body)}`);
  return { email, userId: signup.body.userId, ...login.body };
}

/**
 * Runs `scenario` from the start of a second until the seconds it reports are all one (JWT
 * times have one-second resolution): a slow run that crossed a second boundary is run again,
 * never counted as a pass.
 */
export async function withinOneSecond<T>(scenario: () => Promise<T & { seconds: number[] }>): Promise<T> {
  for (let run = 0; run < 3; run++) {
    await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000)));
    const result = await scenario();
    if (new Set(result.seconds).size === 1) return result;
  }
  throw new Error('the scenario never fitted in one second');
}
