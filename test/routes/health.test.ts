import { localEventBridge } from '../../src/local/eventbridge.js';
import { freePort } from '../../src/local/ports.js';
import { localSes } from '../../src/local/ses.js';
import type { LocalService } from '../../src/local/service.js';
import { startApp, testConfig, type RunningApp } from '../helpers/stack.js';
import { buildApp } from '../../src/app.js';
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
});

/**
 * Stopping the shared stack's servers would break tests running beside this one, so this app
 * gets private EventBridge and SES servers (the same emulators the stack runs) to stop and start.
 */
describe('readiness follows a dependency going down and coming back', () => {
  let app: Awaited<ReturnType<typeof buildApp>>;
  let url: string;
  let eventbridge: LocalService;
  let ses: LocalService;

  beforeAll(async () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'auroravault-health-'));
    const base = testConfig();
    eventbridge = localEventBridge({ port: await freePort(), directory, busNames: () => [base.resources.eventBusName!] });
    ses = localSes({ port: await freePort() });
    await Promise.all([eventbridge.start(), ses.start()]);
    app = await buildApp(
      { ...base, aws: { ...base.aws, endpoints: { ...base.aws.endpoints, eventbridge: eventbridge.endpoint, ses: ses.endpoint } } },
      { logger: false },
    );
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

  it.each([
    ['eventbridge', () => eventbridge],
    ['ses', () => ses],
  ])('%s stopped: 503 naming it; started again: 200', async (name, service) => {
    expect((await ready()).status).toBe(200);

    await service().stop();
    const down = await ready();
    expect(down.status).toBe(503);
    expect(down.body.status).toBe('unavailable');
    expect(down.body.dependencies[name]).toMatchObject({ ok: false, error: expect.any(String) });
    for (const other of DEPENDENCIES.filter((d) => d !== name)) expect(down.body.dependencies[other]?.ok).toBe(true);

    await service().start();
    const up = await ready();
    expect(up.status).toBe(200);
    expect(up.body.dependencies[name]?.ok).toBe(true);
  });
});
