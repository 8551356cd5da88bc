import net from 'node:net';
import type { FastifyInstance } from 'fastify';
import { clientLimit } from '../../src/aws/limits.js';
import { client, registeredUser, startAccountsApp, waitUntil } from '../helpers/accounts.js';
import { item, jpeg, put, settled, type UploadAnswer } from '../helpers/uploads.js';
import { testConfig, buildTestApp } from '../helpers/stack.js';

/**
 * Overload through real HTTP on the real app and the local stack (docs/architecture.md, "Overload").
 * DynamoDB is reached through a gate: a TCP proxy that holds DynamoDB's answers while closed, so
 * requests that got in stay in flight for as long as the test wants, and what is shed meanwhile is
 * seen to come back while they are still stuck: order, not timings.
 */

jest.setTimeout(60_000);

interface Gate {
  endpoint: string;
  hold(): void;
  release(): void;
  close(): Promise<void>;
}

async function gate(target: string): Promise<Gate> {
  const { hostname, port } = new URL(target);
  let open = true;
  let held: (() => void)[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((downstream) => {
    const upstream = net.connect(Number(port), hostname);
    for (const socket of [downstream, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        downstream.destroy();
        upstream.destroy();
      });
    }
    downstream.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => (open ? downstream.write(chunk) : held.push(() => downstream.write(chunk))));
    upstream.on('end', () => (open ? downstream.end() : held.push(() => downstream.end())));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: gatePort } = server.address() as net.AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${gatePort}`,
    hold: () => (open = false),
    release: () => {
      open = true;
      const pending = held;
      held = [];
      for (const write of pending) write();
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

interface Answer {
  status: number;
  contentType: string | null;
  retryAfter: string | null;
  body: Record<string, unknown>;
  /** Position among the answers this test received, in arrival order. */
  order: number;
}

let token: string;
let dynamoGate: Gate;

beforeAll(async () => {
  const accounts = await startAccountsApp();
  try {
    token = (await registeredUser(client(accounts.url), 'overload')).accessToken;
  } finally {
    await accounts.close();
  }
  dynamoGate = await gate(testConfig().aws.endpoints.dynamodb!);
});
// A failed test must not leave DynamoDB held for the next one.
afterEach(() => dynamoGate.release());
afterAll(() => dynamoGate?.close());

/** The app on the test stack with its DynamoDB behind the gate. */
async function serve(env: Record<string, string>): Promise<{ app: FastifyInstance; url: string }> {
  const base = testConfig(env);
  const app = await buildTestApp({ ...base, aws: { ...base.aws, endpoints: { ...base.aws.endpoints, dynamodb: dynamoGate.endpoint } } });
  return { app, url: await app.listen({ port: 0, host: '127.0.0.1' }) };
}

let arrivals = 0;
async function get(url: string, path: string, auth = true, origin?: string): Promise<Answer & { allowOrigin: string | null }> {
  const headers: Record<string, string> = auth ? { authorization: `Bearer ${token}` } : {};
  if (origin) headers.origin = origin;
  const response = await fetch(`${url}${path}`, { headers });
  const text = await response.text();
  return {
    allowOrigin: response.headers.get('access-control-allow-origin'),
    status: response.status,
    contentType: response.headers.get('content-type'),
    retryAfter: response.headers.get('retry-after'),
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    order: arrivals++,
  };
}

function expectShed(answer: Answer, retryAfter: string): void {
  expect(answer.status).toBe(503);
  expect(answer.contentType).toMatch(/^application\/problem\+json/);
  expect(answer.retryAfter).toBe(retryAfter);
  expect(answer.body).toMatchObject({ type: 'https://auroravault.dev/problems/overloaded', status: 503, title: 'The service is busy' });
}

describe('the per-process bound on requests in flight', () => {
  let server: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => (server = await serve({ OVERLOAD_MAX_IN_FLIGHT: '3', OVERLOAD_RETRY_AFTER_SECONDS: '7' })));
  afterAll(async () => {
    dynamoGate.release();
    await server.app.close();
  });

  it('past the bound answers 503 problem+json with Retry-After at once, while the admitted requests are still stuck; health/live answers; then all is served again', async () => {
    dynamoGate.hold();
    const released = { at: Number.POSITIVE_INFINITY };
    const answers: Answer[] = [];
    const burst = Array.from({ length: 20 }, () => get(server.url, '/v1/me').then((a) => (answers.push(a), a)));

    // 17 answers arrive while the gate still holds DynamoDB's: the 3 requests admitted cannot have finished.
    await waitUntil(async () => (answers.length >= 17 ? true : undefined), 20_000);
    expect(answers).toHaveLength(17);
    for (const answer of answers) expectShed(answer, '7');
    expect(server.app.overload.stats()).toMatchObject({ inFlight: 3, maxInFlight: 3, shed: 17 });

    // Saturated, the liveness probe is neither counted nor shed.
    const live = await get(server.url, '/health/live', false);
    expect(live).toMatchObject({ status: 200, body: { status: 'ok' } });
    // The app's browser origin can read the shed answer (and its Retry-After); another origin gets no CORS.
    const fromApp = await get(server.url, '/v1/me', true, 'http://localhost:8081');
    expectShed(fromApp, '7');
    expect(fromApp.allowOrigin).toBe('http://localhost:8081');
    expect((await get(server.url, '/v1/me', true, 'https://elsewhere.example')).allowOrigin).toBeNull();

    released.at = arrivals;
    dynamoGate.release();
    const all = await Promise.all(burst);
    const served = all.filter((a) => a.status === 200);
    expect(served).toHaveLength(3);
    // Every shed answer came before any served one: none waited for the slow path.
    expect(Math.max(...all.filter((a) => a.status === 503).map((a) => a.order))).toBeLessThan(Math.min(...served.map((a) => a.order)));
    expect(Math.min(...served.map((a) => a.order))).toBeGreaterThanOrEqual(released.at);

    // After the burst: the slots are free again and everything is served.
    await waitUntil(async () => (server.app.overload.stats().inFlight === 0 ? true : undefined));
    const after = await Promise.all(Array.from({ length: 3 }, () => get(server.url, '/v1/me')));
    expect(after.map((a) => a.status)).toEqual([200, 200, 200]);
  });
});

describe('the per-dependency bound on AWS calls', () => {
  let server: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => (server = await serve({ AWS_MAX_CONCURRENCY: '1', AWS_MAX_QUEUED: '50', AWS_QUEUE_WAIT_MS: '100', OVERLOAD_MAX_IN_FLIGHT: '100', OVERLOAD_RETRY_AFTER_SECONDS: '4' })));
  afterAll(async () => {
    dynamoGate.release();
    await server.app.close();
  });

  it('a DynamoDB call that gets no slot within its wait is a 503 overloaded with Retry-After, not a 500', async () => {
    const dynamo = clientLimit(server.app.aws.dynamo)!;
    expect(dynamo).toMatchObject({ maxConcurrent: 1, maxQueued: 50, maxWaitMs: 100 });
    dynamoGate.hold();
    const answers: Answer[] = [];
    const burst = Array.from({ length: 6 }, () => get(server.url, '/v1/me').then((a) => (answers.push(a), a)));

    // One call holds the only slot behind the gate; the others wait 100 ms in line, then are shed.
    await waitUntil(async () => (answers.length >= 5 ? true : undefined), 20_000);
    for (const answer of answers) expectShed(answer, '4');
    expect(dynamo.stats().refused['wait-expired']).toBeGreaterThanOrEqual(5);

    dynamoGate.release();
    const all = await Promise.all(burst);
    expect(all.filter((a) => a.status !== 503).map((a) => a.status)).toEqual([200]);
    // The slot is given back once the answer is read: a later call finds it free.
    await waitUntil(async () => (dynamo.stats().active === 0 ? true : undefined));
    expect((await get(server.url, '/v1/me')).status).toBe(200);
  });

  it('with no room left in the line, a call is refused at once (queue full), also as a 503', async () => {
    const dynamo = clientLimit(server.app.aws.dynamo)!;
    const before = dynamo.stats().refused['queue-full'];
    const app = await serve({ AWS_MAX_CONCURRENCY: '1', AWS_MAX_QUEUED: '0', OVERLOAD_MAX_IN_FLIGHT: '100', OVERLOAD_RETRY_AFTER_SECONDS: '4' });
    try {
      const limit = clientLimit(app.app.aws.dynamo)!;
      dynamoGate.hold();
      const answers: Answer[] = [];
      const burst = Array.from({ length: 4 }, () => get(app.url, '/v1/me').then((a) => (answers.push(a), a)));
      await waitUntil(async () => (answers.length >= 3 ? true : undefined), 20_000);
      for (const answer of answers) expectShed(answer, '4');
      expect(limit.stats().refused['queue-full']).toBeGreaterThanOrEqual(3);
      dynamoGate.release();
      expect((await Promise.all(burst)).filter((a) => a.status !== 503).map((a) => a.status)).toEqual([200]);
    } finally {
      dynamoGate.release();
      await app.app.close();
    }
    expect(dynamo.stats().refused['queue-full']).toBe(before);
  });
});

describe('a burst on the real stack with tiny bounds', () => {
  let server: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () =>
    (server = await serve({ OVERLOAD_MAX_IN_FLIGHT: '6', AWS_MAX_CONCURRENCY: '2', AWS_MAX_QUEUED: '2', AWS_QUEUE_WAIT_MS: '20', OVERLOAD_RETRY_AFTER_SECONDS: '2' })),
  );
  afterAll(() => server.app.close());

  it('answers only 2xx or 503 problem+json with Retry-After, never a 500, and serves all again afterwards', async () => {
    const paths = ['/v1/me', '/v1/photos', '/v1/trash'];
    const answers = await Promise.all(Array.from({ length: 150 }, (_, i) => get(server.url, paths[i % paths.length]!)));
    const statuses = new Set(answers.map((a) => a.status));
    expect([...statuses].sort()).toEqual([200, 503]);
    const shed = answers.filter((a) => a.status === 503);
    for (const answer of shed) {
      expect(answer.contentType).toMatch(/^application\/problem\+json/);
      expect(answer.retryAfter).toMatch(/^[1-9]\d*$/);
    }
    // Most are the bounds' own answer; a token check that cannot read its record is also a 503 with Retry-After.
    expect(shed.filter((a) => a.body.type === 'https://auroravault.dev/problems/overloaded').length).toBeGreaterThan(0);
    for (const answer of shed.filter((a) => a.body.type === 'https://auroravault.dev/problems/overloaded')) expectShed(answer, '2');

    await waitUntil(async () => (server.app.overload.stats().inFlight === 0 ? true : undefined));
    for (const path of paths) expect((await get(server.url, path)).status).toBe(200);
  });
});

describe('slots are given back', () => {
  it('after uploads through every service (URLs, S3, complete, processing jobs, listing, readiness), no client holds a slot', async () => {
    const server = await startAccountsApp({ WORKER_CONCURRENCY: '2', SWEEP_INTERVAL_SECONDS: '0' });
    try {
      const api = client(server.url);
      const user = await registeredUser(api, 'overload-slots');
      const images = await Promise.all([1, 2, 3].map((seed) => jpeg(seed)));
      const reserved = await api.post<{ items: UploadAnswer[] }>('/v1/uploads', { items: images.map((b, i) => item(`slot-${i}`, b)) }, user.accessToken);
      expect(reserved.status).toBe(200);
      expect(await Promise.all(reserved.body.items.map((answer, i) => put(answer, images[i]!)))).toEqual([200, 200, 200]);
      const ids = reserved.body.items.map((a) => a.photoId);
      expect((await api.post('/v1/uploads/complete', { items: ids.map((photoId) => ({ photoId })) }, user.accessToken)).status).toBe(200);
      const final = await settled(api, user.accessToken, ids, 60_000);
      expect(Object.values(final).map((p) => p.status)).toEqual(['ready', 'ready', 'ready']);
      expect((await api.get('/v1/photos', user.accessToken)).status).toBe(200);
      expect((await api.get('/health/ready')).status).toBe(200);

      // Only the workers' long polls stay on the wire; everything else has been read and released.
      await waitUntil(async () => {
        const { dependencies } = server.app.overload.stats();
        const busy = Object.entries(dependencies).filter(([name, d]) => d.queued > 0 || d.active > (name === 'sqs' ? 2 : 0));
        return busy.length === 0 ? true : undefined;
      });
      const { dependencies } = server.app.overload.stats();
      expect(Object.keys(dependencies).sort()).toEqual(['cognito', 'dynamo', 'dynamoFeed', 'events', 's3', 'ses', 'sqs']);
      for (const stats of Object.values(dependencies)) expect(stats.refused).toEqual({ 'queue-full': 0, 'wait-expired': 0 });
    } finally {
      await server.close();
    }
  });
});
