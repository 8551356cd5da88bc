import fs from 'node:fs';
import autocannon from 'autocannon';
import { createDynamoClient } from '../src/aws/dynamodb.js';
import { loadConfig, withLocalStack } from '../src/config.js';
import { PhotosRepository } from '../src/data/photos.js';
import { UsersRepository } from '../src/data/users.js';
import { cpuMicros, startApi, startStack, stopAll, tempDataDir, type Running } from './support/processes.js';
import { quick, spread, writeResult } from './support/results.js';
import { seedUsers } from './support/seed.js';

/**
 * The API process's own CPU per request on the hot routes of the mobile app (a timeline page of 60, a photo's
 * detail, the account), against a bare Fastify route served by a process started the same way (the baseline:
 * what any Fastify service costs per request here). The API runs as in bench/load.ts (its own process, the stack in
 * another, production logging); CPU time from /proc/<pid>/stat around a fixed number of requests, 8 connections
 * (well under any overload bound). Alternating rounds, medians. Beside each route: its one DynamoDB call made with
 * the SDK in this process through the API's own repository (the same 8 at a time), the floor the route stands on.
 *
 *   npm run bench api-overhead       BENCH_ROUNDS, BENCH_REQUESTS override
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (quick ? 1 : 5));
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? (quick ? 100 : 1000));
const BARE_REQUESTS = REQUESTS * 4;
const PHOTOS = quick ? 4 : 60;
const CONNECTIONS = 8;

interface Target {
  name: string;
  process: Running & { url: string };
  requests: autocannon.Request[];
  amount: number;
  /** The route's own DynamoDB call, made here with the SDK through the API's repository: its floor. */
  sdkCall?: (i: number) => Promise<unknown>;
}

/** CPU of this process per call of `call`, CONNECTIONS at a time: what the SDK alone costs for it. */
async function sdkFloor(call: (i: number) => Promise<unknown>, amount: number): Promise<number> {
  let next = 0;
  const before = process.cpuUsage();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (next < amount) await call(next++);
    }),
  );
  const used = process.cpuUsage(before);
  return (used.user + used.system) / amount;
}

async function sample(target: Target): Promise<{ cpuMicros: number; rps: number }> {
  const before = cpuMicros(target.process.pid);
  const result = await autocannon({ url: target.process.url, connections: CONNECTIONS, amount: target.amount, requests: target.requests });
  const used = cpuMicros(target.process.pid) - before;
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${target.name}: ${result.non2xx} non-2xx (${JSON.stringify(result.statusCodeStats)}), ${result.errors} errors`);
  }
  return { cpuMicros: used / target.amount, rps: result.requests.average };
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const dataDir = tempDataDir('overhead');
  let failed = true;
  try {
    const stack = await startStack(dataDir);
    const api = await startApi(dataDir, stack.info, { RATE_LIMIT_AUTH_IP_PER_MINUTE: '100000' });
    const bare = await startApi(dataDir, undefined, {}, true);
    const [user] = await seedUsers(api.url, 1, PHOTOS, (line) => console.log(`  ${line}`));
    const headers = { authorization: `Bearer ${user!.accessToken}`, accept: 'application/json' };
    const config = withLocalStack(loadConfig({ STACK: 'local', LOG_LEVEL: 'silent' }), stack.info);
    const dynamo = createDynamoClient(config);
    const photos = new PhotosRepository(dynamo, stack.info.resources.table!);
    const users = new UsersRepository(dynamo, stack.info.resources.table!);

    const targets: Target[] = [
      { name: 'bare Fastify route (baseline)', process: bare, requests: [{ method: 'GET', path: '/bare' }], amount: BARE_REQUESTS },
      {
        name: 'GET /v1/photos?limit=60',
        process: api,
        requests: [{ method: 'GET', path: '/v1/photos?limit=60', headers }],
        amount: REQUESTS,
        sdkCall: () => photos.listView('TIMELINE', user!.userId, 61),
      },
      {
        name: 'GET /v1/photos/{id}',
        process: api,
        requests: user!.photoIds.map((id) => ({ method: 'GET' as const, path: `/v1/photos/${id}`, headers })),
        amount: REQUESTS,
        sdkCall: (i) => photos.get(user!.userId, user!.photoIds[i % user!.photoIds.length]!),
      },
      { name: 'GET /v1/me', process: api, requests: [{ method: 'GET', path: '/v1/me', headers }], amount: REQUESTS, sdkCall: () => users.getProfile(user!.userId) },
    ];

    // The API's CPU when idle (job workers, sweeps, pollers), to set beside the per-request figures.
    const idleSeconds = quick ? 1 : 3;
    const idleBefore = cpuMicros(api.pid);
    await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000));
    const idleMicrosPerSecond = (cpuMicros(api.pid) - idleBefore) / idleSeconds;

    for (const target of targets) await sample({ ...target, amount: Math.ceil(target.amount / 4) }); // warm-up
    const samples = new Map(targets.map((t) => [t.name, { cpu: [] as number[], rps: [] as number[], sdk: [] as number[] }]));
    for (const target of targets) if (target.sdkCall) await sdkFloor(target.sdkCall, 50); // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      // Rotating order, so drift in the machine's speed hits every target alike.
      for (let i = 0; i < targets.length; i++) {
        const target = targets[(i + round) % targets.length]!;
        const s = await sample(target);
        samples.get(target.name)!.cpu.push(s.cpuMicros);
        samples.get(target.name)!.rps.push(s.rps);
        if (target.sdkCall) samples.get(target.name)!.sdk.push(await sdkFloor(target.sdkCall, target.amount));
      }
    }
    dynamo.destroy();
    await Promise.all([api.stop(), bare.stop()]);
    await stack.stop();

    const base = spread(samples.get(targets[0]!.name)!.cpu);
    const figures = Object.fromEntries(
      targets.map((t) => {
        const cpu = spread(samples.get(t.name)!.cpu);
        const sdk = t.sdkCall ? spread(samples.get(t.name)!.sdk) : undefined;
        return [
          t.name,
          { cpuMicrosPerRequest: cpu, requestsPerSecond: spread(samples.get(t.name)!.rps), overBare: cpu.median / base.median, ...(sdk ? { sdkCallCpuMicros: sdk, sdkShare: sdk.median / cpu.median } : {}) },
        ];
      }),
    );
    console.log(`API CPU per request (its process only), ${ROUNDS} rounds of ${REQUESTS} requests (bare: ${BARE_REQUESTS}), ${CONNECTIONS} connections (medians)`);
    console.log('  route                            CPU µs/request  (spread)   x bare   req/s   its DynamoDB call alone (SDK, this process)');
    for (const [name, f] of Object.entries(figures)) {
      const cpu = f.cpuMicrosPerRequest;
      const sdk = 'sdkCallCpuMicros' in f ? `   ${f.sdkCallCpuMicros!.median.toFixed(0).padStart(6)} µs (${(f.sdkShare! * 100).toFixed(0)} % of the route)` : '';
      console.log(
        `  ${name.padEnd(32)} ${cpu.median.toFixed(0).padStart(8)}       (${(cpu.relativeSpread * 100).toFixed(0).padStart(3)}%)` +
          `   ${f.overBare.toFixed(1).padStart(5)}x  ${f.requestsPerSecond.median.toFixed(0).padStart(6)}${sdk}`,
      );
    }
    console.log(`  API idle: ${(idleMicrosPerSecond / 1000).toFixed(1)} ms CPU per second (not subtracted)`);
    writeResult('api-overhead', {
      baseline: { description: 'a bare Fastify route (no logger) in a process started the same way', cpuMicrosPerRequest: base },
      figures: { ...figures, apiIdleCpuMicrosPerSecond: idleMicrosPerSecond },
      parameters: { rounds: ROUNDS, requests: REQUESTS, bareRequests: BARE_REQUESTS, connections: CONNECTIONS, photos: PHOTOS, timelineLimit: 60 },
    });
    failed = false;
  } finally {
    await stopAll();
    if (failed) console.error(`  data and API log kept in ${dataDir}`);
    else fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

void main().catch(async (error: unknown) => {
  console.error(error);
  await stopAll();
  process.exit(1);
});
