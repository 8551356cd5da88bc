import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import autocannon from 'autocannon';
import { quick, spread, writeResult } from './support/results.js';
import { median } from './support/stats.js';

/**
 * The app's request pipeline (helmet headers, request ids, zod serialization, problem+json
 * error handling) against a bare Fastify route, measured in the same run on GET /health/live.
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (quick ? 1 : 5));
const SECONDS = Number(process.env.BENCH_SECONDS ?? (quick ? 1 : 3));

async function load(url: string) {
  const result = await autocannon({ url: `${url}/health/live`, connections: 32, duration: SECONDS });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

async function main(): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'support/servers.ts')], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const urls = JSON.parse(
    await new Promise<string>((resolve) => readline.createInterface({ input: child.stdout! }).once('line', resolve)),
  ) as { bare: string; app: string };

  await load(urls.bare); // warm-up, discarded
  await load(urls.app);
  const bare: Awaited<ReturnType<typeof load>>[] = [];
  const app: Awaited<ReturnType<typeof load>>[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // Alternating rounds, so drift in the machine's speed hits both alike.
    bare.push(await load(urls.bare));
    app.push(await load(urls.app));
  }
  child.stdin!.end();

  const summary = (runs: typeof bare) => ({
    rps: median(runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
  });
  const b = summary(bare);
  const a = summary(app);
  console.log(`GET /health/live, ${ROUNDS} rounds x ${SECONDS} s, 32 connections (medians)`);
  console.log(`  bare Fastify route (baseline): ${b.rps.toFixed(0)} req/s, p50 ${b.p50} ms, p99 ${b.p99} ms`);
  console.log(`  AuroraVault app:               ${a.rps.toFixed(0)} req/s, p50 ${a.p50} ms, p99 ${a.p99} ms`);
  console.log(`  app / baseline throughput:     ${(a.rps / b.rps).toFixed(2)}x`);
  writeResult('http-overhead', {
    baseline: { description: 'a bare Fastify route, GET /health/live, same process', rps: spread(bare.map((r) => r.rps)), p50Ms: b.p50, p99Ms: b.p99 },
    figures: { app: { rps: spread(app.map((r) => r.rps)), p50Ms: a.p50, p99Ms: a.p99 }, appOverBaselineThroughput: a.rps / b.rps },
    parameters: { rounds: ROUNDS, seconds: SECONDS, connections: 32 },
  });
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
