import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { SHUTTING_DOWN_DETAIL } from '../../src/app.js';
import { COMPLETE_REQUEUE_AFTER_MS } from '../../src/photos/uploads-service.js';
import { client, type ApiClient } from '../helpers/accounts.js';
import { inParallel } from '../helpers/parallel.js';
import { item, jpeg, put, type UploadAnswer } from '../helpers/uploads.js';
import { holdingProxy, registeredUser, startApi, startStack, type Api, type Stack } from './support/processes.js';

/**
 * kill -9 of the API process (an OOM kill, a lost Fargate task) in the two windows where a photo could be lost or
 * doubled: after `complete` marked photos `processing` but before their jobs were enqueued, and while jobs run.
 * The API restarts on the same stack, the client does what the app does (asks for the batch again, PUTs what it is
 * told to, completes), and every photo ends up there once, processed, and counted once.
 */
const BATCH = 50;
let stack: Stack;
const apis: Api[] = [];

beforeAll(async () => {
  stack = await startStack('crash');
}, 120_000);
// An API left running by a failed test would take the next test's jobs.
afterEach(async () => {
  await Promise.all(apis.splice(0).map((api) => api.destroy()));
});
afterAll(async () => {
  await stack?.stop();
}, 60_000);

/** Visibility 5 s: a job taken by the killed process comes back within seconds instead of a minute. */
const WORKERS = { WORKER_CONCURRENCY: '2', WORKER_WAIT_SECONDS: '1', WORKER_VISIBILITY_SECONDS: '5', SWEEP_INTERVAL_SECONDS: '0' };

async function start(env: Record<string, string> = {}): Promise<Api> {
  const api = await startApi(stack.info, { ...WORKERS, ...env });
  apis.push(api);
  return api;
}

async function crash(api: Api): Promise<void> {
  api.kill('SIGKILL');
  expect((await api.exited).signal).toBe('SIGKILL');
  // What it forked (decoders) dies with its task in production.
  await api.destroy();
}

interface Photo {
  id: string;
  status: string;
  size: number;
  sha256: string;
  urls: { thumbnail?: string; preview?: string };
}

async function timeline(api: ApiClient, token: string): Promise<Photo[]> {
  const photos: Photo[] = [];
  let cursor: string | null = null;
  do {
    const page: { status: number; body: { items: Photo[]; nextCursor: string | null } } = await api.get(
      `/v1/photos?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      token,
    );
    expect(page.status).toBe(200);
    photos.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor);
  return photos;
}

/**
 * What the app does after it lost its answers: asks for the whole batch again, PUTs what it is told to, completes.
 * Returns the photo ids.
 */
async function retryBatch(api: ApiClient, token: string, files: Buffer[]): Promise<string[]> {
  const again = await api.post<{ items: UploadAnswer[] }>('/v1/uploads', { items: files.map((bytes, i) => item(`p${i}`, bytes)) }, token);
  expect(again.status).toBe(200);
  await inParallel(again.body.items, 8, async (answer, i) => {
    if (answer.status === 'upload') expect(await put(answer, files[i]!)).toBe(200);
  });
  const ids = again.body.items.map((a) => a.photoId);
  const completed = await api.post<{ items: { status: string }[] }>('/v1/uploads/complete', { items: ids.map((photoId) => ({ photoId })) }, token);
  expect(completed.status).toBe(200);
  expect(completed.body.items.filter((answer) => answer.status !== 'processing' && answer.status !== 'ready')).toEqual([]);
  return ids;
}

/** Waits until the timeline (ready photos only) holds `count` photos; then the state of each id. */
async function settled(api: ApiClient, token: string, ids: string[], timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  while ((await timeline(api, token)).length < new Set(ids).size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1000));
  return inParallel(ids, 8, async (id) => (await api.get<{ status: string }>(`/v1/photos/${id}`, token)).body.status);
}

/** Every photo once, processed, its derivatives in the bucket, one PhotoUploaded each, and usage exact. */
async function expectExactlyOnce(api: ApiClient, token: string, files: Buffer[], ids: string[], timeoutMs = 90_000): Promise<void> {
  const expected = files.map((bytes) => item('x', bytes).sha256).sort();
  expect(await settled(api, token, ids, timeoutMs)).toEqual(ids.map(() => 'ready'));
  const photos = await timeline(api, token);
  expect(photos.filter((p) => p.status !== 'ready')).toEqual([]);
  expect(photos).toHaveLength(files.length);
  expect(photos.map((p) => p.id).sort()).toEqual([...new Set(ids)].sort());
  expect(photos.map((p) => p.sha256).sort()).toEqual(expected);

  const derivatives = await inParallel(photos, 8, async (photo) => {
    const statuses = await Promise.all(
      [photo.urls.thumbnail, photo.urls.preview].map(async (url) => (url ? (await fetch(url)).status : 'no url')),
    );
    return statuses.join(',');
  });
  expect(derivatives.filter((s) => s !== '200,200')).toEqual([]);

  const me = await api.get<{ usage: { photos: number; bytes: number } }>('/v1/me', token);
  expect(me.body.usage).toMatchObject({ photos: files.length, bytes: files.reduce((sum, bytes) => sum + bytes.length, 0) });

  // PhotoUploaded follows `ready`; a job killed inside its publish waits for the claim's lease (60 s) to run out.
  const mine = new Set(ids);
  const published = async () => {
    const events = (await (await fetch(new URL('/events', stack.info.endpoints.eventbridge))).json()) as { 'detail-type': string; detail: { photoId: string } }[];
    return events.filter((e) => e['detail-type'] === 'PhotoUploaded' && mine.has(e.detail.photoId)).map((e) => e.detail.photoId);
  };
  const eventsDeadline = Date.now() + 120_000;
  while ((await published()).length < mine.size && Date.now() < eventsDeadline) await new Promise((r) => setTimeout(r, 1000));
  expect((await published()).sort()).toEqual([...ids].sort());
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('kill -9 of the API process, then a restart on the same stack', () => {
  it(`during complete of a batch of ${BATCH}, with photos marked processing and their enqueues in flight`, async () => {
    // Holds every SendMessage once switched on (after the sign-up's welcome job).
    const sqs = await holdingProxy(stack.info.endpoints.sqs, (req) => req.headers['x-amz-target'] === 'AmazonSQS.SendMessage', false);
    try {
      const first = await start({ AWS_ENDPOINT_URL_SQS: sqs.endpoint });
      const api = client(first.url);
      const user = await registeredUser(first, stack.info, 'crash-complete');
      const files = await Promise.all(Array.from({ length: BATCH }, (_, i) => jpeg(10_000 + i, 320, 240)));
      const reserved = await api.post<{ items: UploadAnswer[] }>('/v1/uploads', { items: files.map((bytes, i) => item(`p${i}`, bytes)) }, user.accessToken);
      expect(reserved.status).toBe(200);
      // Most bytes reach S3, the last ten never do before the crash.
      await inParallel(reserved.body.items.slice(0, BATCH - 10), 8, async (answer, i) => expect(await put(answer, files[i]!)).toBe(200));

      sqs.hold();
      const completing = api.post('/v1/uploads/complete', { items: reserved.body.items.map((a) => ({ photoId: a.photoId })) }, user.accessToken).then(
        (r) => r.status,
        () => 'no answer',
      );
      await waitFor(() => sqs.held() >= 10, 30_000, 'enqueues in flight');
      await crash(first);
      expect(await completing).toBe('no answer');
      const crashedAt = Date.now();

      const second = await start();
      const api2 = client(second.url);
      // The protocol's rule: a repeated complete enqueues again only this long after the lost enqueue.
      await new Promise((r) => setTimeout(r, Math.max(0, crashedAt + COMPLETE_REQUEUE_AFTER_MS - Date.now())));
      const ids = await retryBatch(api2, user.accessToken, files);
      await expectExactlyOnce(api2, user.accessToken, files, ids);
      await second.destroy();
    } finally {
      sqs.close();
    }
  }, 240_000);

  it(`while the jobs of a batch of ${BATCH} are being processed`, async () => {
    const first = await start();
    const api = client(first.url);
    const user = await registeredUser(first, stack.info, 'crash-processing');
    // Big enough that processing takes a while: the kill lands with most jobs queued or in flight.
    const files = await Promise.all(Array.from({ length: BATCH }, (_, i) => jpeg(20_000 + i, 1024, 768)));
    const reserved = await api.post<{ items: UploadAnswer[] }>('/v1/uploads', { items: files.map((bytes, i) => item(`p${i}`, bytes)) }, user.accessToken);
    await inParallel(reserved.body.items, 8, async (answer, i) => expect(await put(answer, files[i]!)).toBe(200));
    const completed = await api.post<{ items: { status: string }[] }>('/v1/uploads/complete', { items: reserved.body.items.map((a) => ({ photoId: a.photoId })) }, user.accessToken);
    expect(completed.body.items.map((a) => a.status)).toEqual(files.map(() => 'processing'));

    const jobsDone = () => first.logs().filter((line) => line.msg === 'job done' && line.type === 'process-photo').length;
    await waitFor(() => jobsDone() >= 2, 60_000, 'the first processed photos');
    await crash(first);
    // The kill landed mid-batch: jobs were still queued or running.
    expect(jobsDone()).toBeLessThan(BATCH);

    const second = await start();
    const api2 = client(second.url);
    const ids = await retryBatch(api2, user.accessToken, files);
    await expectExactlyOnce(api2, user.accessToken, files, ids, 180_000);
    await second.destroy();
  }, 300_000);
});

interface Outcome {
  kind: string;
  requestId: string;
  /** The photo a complete named, and whose it is. */
  photo?: { token: string; photoId: string };
  status?: number;
  /** The problem of an answer other than 200: its type and detail. */
  problem?: { type?: string; detail?: string };
  error?: string;
}

/**
 * What the server answers a request that arrives once shutdown began, before any work (src/app.ts). The type
 * alone is not enough: a token that cannot be checked is a 503 `unavailable` too, and a real failure.
 */
const SHUTTING_DOWN = { type: 'https://auroravault.dev/problems/unavailable', detail: SHUTTING_DOWN_DETAIL };

/** One request on `agent`, tagged with its X-Request-Id (the server logs it as reqId). */
function send(agent: http.Agent, base: string, kind: string, method: string, path: string, token: string, body?: unknown): Promise<Outcome> {
  const requestId = `load-${kind}-${randomUUID()}`;
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve) => {
    const request = http.request(`${base}${path}`, {
      agent,
      method,
      headers: {
        authorization: `Bearer ${token}`,
        'x-request-id': requestId,
        ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
      },
    });
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const status = response.statusCode;
        if (status === 200) return resolve({ kind, requestId, status });
        let problem: Outcome['problem'];
        try {
          const { type, detail } = JSON.parse(Buffer.concat(chunks).toString()) as { type?: string; detail?: string };
          problem = { type, detail };
        } catch {
          problem = undefined;
        }
        resolve({ kind, requestId, status, problem });
      });
      response.on('error', (error) => resolve({ kind, requestId, error: error.message }));
    });
    request.on('error', (error) => resolve({ kind, requestId, error: (error as NodeJS.ErrnoException).code ?? error.message }));
    request.end(payload);
  });
}

describe('SIGTERM under load', () => {
  it('answers every request it accepted, refuses the others before accepting them, and exits within SHUTDOWN_TIMEOUT_MS', async () => {
    const shutdownMs = 8000;
    const api = await start({ SHUTDOWN_TIMEOUT_MS: String(shutdownMs), OVERLOAD_MAX_IN_FLIGHT: '1000' });
    const users = await Promise.all(['a', 'b', 'c'].map((label) => registeredUser(api, stack.info, `sigterm-${label}`)));
    const http1 = client(api.url);
    // Photos whose bytes are in S3, to complete during the load (one per request).
    const staged = await Promise.all(
      users.map(async (user, u) => {
        const files = await Promise.all(Array.from({ length: 20 }, (_, i) => jpeg(30_000 + u * 100 + i)));
        const reserved = await http1.post<{ items: UploadAnswer[] }>('/v1/uploads', { items: files.map((bytes, i) => item(`s${i}`, bytes)) }, user.accessToken);
        await inParallel(reserved.body.items, 8, async (answer, i) => expect(await put(answer, files[i]!)).toBe(200));
        return reserved.body.items.map((answer) => ({ token: user.accessToken, photoId: answer.photoId }));
      }),
    );
    const fresh = await Promise.all(Array.from({ length: 40 }, (_, i) => jpeg(40_000 + i)));

    const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
    const token = (i: number) => users[i % users.length]!.accessToken;
    const requests: (() => Promise<Outcome>)[] = [
      ...staged.flat().map((photo) => async () => ({
        ...(await send(agent, api.url, 'complete', 'POST', '/v1/uploads/complete', photo.token, { items: [{ photoId: photo.photoId }] })),
        photo,
      })),
      ...fresh.map((bytes, i) => () => send(agent, api.url, 'uploads', 'POST', '/v1/uploads', token(i), { items: [item(`f${i}`, bytes)] })),
      ...Array.from({ length: 50 }, (_, i) => () => send(agent, api.url, 'me', 'GET', '/v1/me', token(i))),
      ...Array.from({ length: 40 }, (_, i) => () => send(agent, api.url, 'timeline', 'GET', '/v1/photos?limit=50', token(i))),
      ...Array.from({ length: 10 }, () => () => send(agent, api.url, 'ready', 'GET', '/health/ready', '')),
    ];
    // Interleaved, so that each kind is in flight when the signal comes.
    const shuffled = requests.map((run, i) => ({ run, key: (i * 7919) % requests.length })).sort((a, b) => a.key - b.key);
    let answered = 0;
    const outcomes = Promise.all(shuffled.map(({ run }) => run().finally(() => answered++)));
    await waitFor(() => answered >= 30, 60_000, 'the first answers');
    const signalled = Date.now();
    api.kill('SIGTERM');
    const results = await outcomes;
    const exit = await api.exited;
    const exitedAfterMs = Date.now() - signalled;
    agent.destroy();

    const logs = api.logs();
    // Exit 0, with no error on the way (the errors are shown when it is not): past SHUTDOWN_TIMEOUT_MS the server
    // exits 1. Its own clock from the signal to 'stopped' says the same; this process's view of it adds the
    // signal's and the exit's way on a loaded machine, hence the margin.
    expect({ exit, errors: logs.filter((line) => line.level >= 50) }).toEqual({ exit: { code: 0, signal: null }, errors: [] });
    const at = (msg: string) => Number(logs.find((line) => line.msg === msg)?.time);
    expect(at('stopped') - at('shutting down')).toBeLessThan(shutdownMs);
    expect(exitedAfterMs).toBeLessThan(shutdownMs + 2000);
    // Taken: logged as incoming and not refused by the shutting-down check, the first hook. A request on a
    // kept-alive socket can reach the server after the signal; Fastify logs it as incoming before that hook
    // answers it 503 with nothing done, which is a refusal.
    const refusedByHook = (r: Outcome) => r.status === 503 && r.problem?.type === SHUTTING_DOWN.type && r.problem.detail === SHUTTING_DOWN.detail;
    const logged = new Set(logs.filter((line) => line.msg === 'incoming request').map((line) => line.reqId));
    const accepted = new Set(results.filter((r) => logged.has(r.requestId) && !refusedByHook(r)).map((r) => r.requestId));
    const failedAccepted = results.filter((r) => accepted.has(r.requestId) && r.status !== 200);
    expect(failedAccepted).toEqual([]);
    // Refused before being taken: the connection refused or reset, or the 503 of the shutting-down check.
    const refused = results.filter((r) => !accepted.has(r.requestId));
    expect(refused.filter((r) => r.status !== undefined && !refusedByHook(r))).toEqual([]);
    // The signal came mid-load: requests were taken after it, and some were refused.
    const signalLine = logs.findIndex((line) => line.msg === 'shutting down');
    expect(signalLine).toBeGreaterThan(0);
    expect(logs.slice(signalLine).filter((line) => line.msg === 'request completed').length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    expect(logs.some((line) => line.msg === 'stopped')).toBe(true);

    // Every complete it answered led to a processed photo (a job enqueued before the process went away): after a
    // restart, with no client retrying anything, each of them becomes ready.
    const next = await start();
    const api2 = client(next.url);
    const completed = results.filter((r) => r.kind === 'complete' && accepted.has(r.requestId)).map((r) => r.photo!);
    expect(completed.length).toBeGreaterThan(0);
    for (const user of users) {
      const ids = completed.filter((photo) => photo.token === user.accessToken).map((photo) => photo.photoId);
      if (ids.length > 0) expect(await settled(api2, user.accessToken, ids, 90_000)).toEqual(ids.map(() => 'ready'));
    }
    await next.destroy();
  }, 240_000);

  it('a slow request and a job in flight wind down together within SHUTDOWN_TIMEOUT_MS; the job is given back', async () => {
    const shutdownMs = 8000;
    // The worker's read of an original never answers (until released): a job that runs until it is aborted.
    const s3 = await holdingProxy(stack.info.endpoints.s3, (req) => req.method === 'GET' && /\/users\/[^/]+\/photos\/[^/?]+(\?|$)/.test(req.url ?? ''));
    try {
      // A visibility longer than the test: with 5 s, one heartbeat late on a loaded machine lets SQS hand the held
      // job to the second worker, and two aborted attempts are logged instead of one.
      const api = await start({
        AWS_ENDPOINT_URL_S3: s3.endpoint,
        SHUTDOWN_TIMEOUT_MS: String(shutdownMs),
        AWS_REQUEST_TIMEOUT_MS: '30000',
        AWS_MAX_ATTEMPTS: '1',
        WORKER_VISIBILITY_SECONDS: '60',
      });
      const http1 = client(api.url);
      const user = await registeredUser(api, stack.info, 'sigterm-budget');
      const bytes = await jpeg(60_001);
      const [answer] = (await http1.post<{ items: UploadAnswer[] }>('/v1/uploads', { items: [item('budget', bytes)] }, user.accessToken)).body.items;
      expect(await put(answer!, bytes)).toBe(200);
      expect((await http1.post('/v1/uploads/complete', { items: [{ photoId: answer!.photoId }] }, user.accessToken)).status).toBe(200);
      await waitFor(() => s3.held() >= 1, 30_000, 'the job to read the original');

      // A request whose body arrives slowly: the HTTP drain lasts as long as the test holds it.
      const requestId = `slow-${randomUUID()}`;
      const payload = Buffer.from(JSON.stringify({ items: [item('slow', await jpeg(60_002))] }));
      const slow = http.request(`${api.url}/v1/uploads`, {
        method: 'POST',
        headers: { authorization: `Bearer ${user.accessToken}`, 'content-type': 'application/json', 'content-length': payload.length, 'x-request-id': requestId },
      });
      const slowAnswer = new Promise<number | string>((resolve) => {
        slow.on('response', (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode ?? 0));
        });
        slow.on('error', (error) => resolve(error.message));
      });
      slow.write(payload.subarray(0, 10));
      await waitFor(() => api.logs().some((line) => line.reqId === requestId && line.msg === 'incoming request'), 20_000, 'the slow request to be taken');

      api.kill('SIGTERM');
      // Half the budget in the drain: more than the time the workers' stop leaves once their budget has run.
      await new Promise((r) => setTimeout(r, shutdownMs / 2));
      slow.end(payload.subarray(10));
      expect(await slowAnswer).toBe(200);
      const exit = await api.exited;
      const logs = api.logs();
      expect({ exit, errors: logs.filter((line) => line.level >= 50) }).toEqual({ exit: { code: 0, signal: null }, errors: [] });
      const at = (msg: string) => Number(logs.find((line) => line.msg === msg)?.time);
      expect(at('stopped') - at('shutting down')).toBeLessThan(shutdownMs);
      // The aborted job went back to the queue at once; the next task processes it.
      expect(logs.filter((line) => line.msg === 'job failed' && line.type === 'process-photo')).toEqual([
        expect.objectContaining({ retryInSeconds: 0, final: false }),
      ]);
      s3.release();
      const next = await start();
      expect(await settled(client(next.url), user.accessToken, [answer!.photoId], 60_000)).toEqual(['ready']);
      await next.destroy();
    } finally {
      s3.close();
    }
  }, 180_000);
});
