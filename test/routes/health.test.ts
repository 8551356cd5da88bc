import { localEventBridge } from '../../src/local/eventbridge.js';
import { freePort } from '../../src/local/ports.js';
import { localSes } from '../../src/local/ses.js';
import type { LocalService } from '../../src/local/service.js';
import { startApp, testConfig, type RunningApp, buildTestApp } from '../helpers/stack.js';
import type { HealthCheck } from '../../src/aws/client-options.js';
import { PROBE_TIMEOUT_MS, READINESS_TTL_MS } from '../../src/routes/health/index.js';
import { ReadinessCache } from '../../src/routes/health/readiness.js';
import { waitFor } from '../jobs/helpers.js';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';

const DEPENDENCIES = ['s3', 'dynamodb', 'sqs', 'ses', 'eventbridge', 'cognito'];

describe('GET /health/live and /health/ready', () => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp();
  });
  afterAll(() => running.close());

  it('live answers while the process runs', async () => {
    const response = await fetch(`${running.url}/health/live`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('ready reports every dependency with ok and latency', async () => {
    const response = await fetch(`${running.url}/health/ready`);
    const body = (await response.json()) as { status: string; dependencies: Record<string, { ok: boolean; latencyMs: number }> };
    expect(response.status).toBe(200);
    expect(body.status).toBe('ok');
    expect(Object.keys(body.dependencies).sort()).toEqual([...DEPENDENCIES].sort());
    for (const name of DEPENDENCIES) {
      expect(body.dependencies[name]).toEqual({ ok: true, latencyMs: expect.any(Number) });
    }
  });

  it('many calls in quick succession probe each dependency once (anyone may call it)', async () => {
    const app = await buildTestApp(testConfig());
    try {
      // Counting wrappers around the app's own probes, which still call the local stack.
      const calls = new Map<string, number>();
      app.healthChecks.splice(0, app.healthChecks.length, ...app.healthChecks.map((probe): HealthCheck => ({
        name: probe.name,
        check: (signal) => {
          calls.set(probe.name, (calls.get(probe.name) ?? 0) + 1);
          return probe.check(signal);
        },
      })));
      const url = await app.listen({ port: 0, host: '127.0.0.1' });
      const started = Date.now();
      const statuses = await Promise.all(Array.from({ length: 20 }, async () => (await fetch(`${url}/health/ready`)).status));
      for (let i = 0; i < 20; i++) statuses.push((await fetch(`${url}/health/ready`)).status);
      const windows = Math.floor((Date.now() - started) / READINESS_TTL_MS) + 1;
      expect(statuses).toEqual(Array(40).fill(200));
      // One probe per dependency per cache window the 40 calls spanned (one window unless the machine stalls).
      expect([...calls.keys()].sort()).toEqual([...DEPENDENCIES].sort());
      for (const count of calls.values()) expect(count).toBeLessThanOrEqual(windows);
    } finally {
      await app.close();
    }
  });
});

describe('ReadinessCache', () => {
  const probe = (name: HealthCheck['name'], outcome: () => Promise<void>) => {
    const counted: { calls: number; check: HealthCheck } = { calls: 0, check: { name, check: () => (counted.calls++, outcome()) } };
    return counted;
  };

  it('reuses each result for the window, shares a running probe, and probes again after it', async () => {
    let now = 1_000_000;
    let failing = false;
    let release: () => void = () => {};
    const slow = probe('s3', () => (slow.calls > 1 ? Promise.resolve() : new Promise<void>((resolve) => (release = resolve))));
    const flaky = probe('ses', async () => {
      if (failing) throw Object.assign(new Error('down'), { name: 'NetworkingError' });
    });
    const cache = new ReadinessCache([slow.check, flaky.check], { ttlMs: 3000, timeoutMs: 2000, now: () => now });

    const concurrent = [cache.report(), cache.report(), cache.report()];
    release();
    expect((await Promise.all(concurrent)).map((r) => r.status)).toEqual(['ok', 'ok', 'ok']);
    expect([slow.calls, flaky.calls]).toEqual([1, 1]);

    failing = true;
    now += 2999;
    expect((await cache.report()).status).toBe('ok');
    expect(flaky.calls).toBe(1);

    now += 1;
    const down = await cache.report();
    expect(down.status).toBe('unavailable');
    expect(down.dependencies).toMatchObject({ ses: { ok: false, error: 'NetworkingError' } });
    expect([slow.calls, flaky.calls]).toEqual([2, 2]);
  });

  it('a probe that hangs counts as failed after the timeout', async () => {
    const hanging = probe('sqs', () => new Promise<void>(() => {}));
    const report = await new ReadinessCache([hanging.check], { ttlMs: 3000, timeoutMs: 50 }).report();
    expect(report).toMatchObject({ status: 'unavailable', dependencies: { sqs: { ok: false, error: 'TimeoutError' } } });
  });
});

/**
 * Stopping the shared stack's servers would break tests running beside this one, so this app
 * gets private EventBridge and SES servers (the same emulators the stack runs) to stop and start.
 */
describe('readiness follows a dependency going down and coming back', () => {
  let app: Awaited<ReturnType<typeof buildTestApp>>;
  let url: string;
  let eventbridge: LocalService;
  let ses: LocalService;

  beforeAll(async () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'auroravault-health-'));
    const base = testConfig();
    eventbridge = localEventBridge({ port: await freePort(), directory, busNames: () => [base.resources.eventBusName!] });
    ses = localSes({ port: await freePort() });
    await Promise.all([eventbridge.start(), ses.start()]);
    app = await buildTestApp({ ...base, aws: { ...base.aws, endpoints: { ...base.aws.endpoints, eventbridge: eventbridge.endpoint, ses: ses.endpoint } } });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await app.close();
    await Promise.all([eventbridge.stop(), ses.stop()]);
  });

  async function ready() {
    const response = await fetch(`${url}/health/ready`);
    const body = (await response.json()) as { status: string; dependencies: Record<string, { ok: boolean; error?: string }> };
    return { status: response.status, body };
  }

  /** Results are reused for READINESS_TTL_MS: a change shows within that window plus one probe's timeout. */
  const CHANGE_BOUND_MS = READINESS_TTL_MS + PROBE_TIMEOUT_MS + 500;

  async function readyUntil(status: number) {
    const since = Date.now();
    let last = await ready();
    await waitFor(async () => (last = await ready()).status === status, CHANGE_BOUND_MS, `/health/ready to answer ${status}`);
    return { ...last, afterMs: Date.now() - since };
  }

  it.each([
    ['eventbridge', () => eventbridge],
    ['ses', () => ses],
  ])('%s stopped: 503 naming it within the cache bound; started again: 200', async (name, service) => {
    expect((await readyUntil(200)).status).toBe(200);

    await service().stop();
    const down = await readyUntil(503);
    expect(down.afterMs).toBeLessThanOrEqual(CHANGE_BOUND_MS);
    expect(down.body.status).toBe('unavailable');
    expect(down.body.dependencies[name]).toMatchObject({ ok: false, error: expect.any(String) });
    for (const other of DEPENDENCIES.filter((d) => d !== name)) expect(down.body.dependencies[other]?.ok).toBe(true);

    await service().start();
    const up = await readyUntil(200);
    expect(up.body.dependencies[name]?.ok).toBe(true);
  });
});
