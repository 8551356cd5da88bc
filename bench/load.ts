import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import autocannon from 'autocannon';
import { createDynamoClient } from '../src/aws/dynamodb.js';
import { loadConfig, withLocalStack, type LocalStackInfo } from '../src/config.js';
import { keys } from '../src/data/keys.js';
import { PhotosRepository } from '../src/data/photos.js';
import { UsersRepository } from '../src/data/users.js';
import { holdConnections, PING_SECONDS, type PingStats } from './support/held-connections.js';
import { MIX, mobileMix } from './support/mobile-mix.js';
import { cpuMicros, errorSummary, machineBusyMicros, mainThreadSchedMicros, startApi, startStack, stopAll, tempDataDir, treeCpuMicros } from './support/processes.js';
import { quick, writeResult } from './support/results.js';
import { seedUsers, type SeededUser } from './support/seed.js';

/**
 * The seed's load claim replayed on one machine: the full local stack and the API (separate processes, production
 * logging), users with processed libraries made through the API, and the mobile mix (bench/support/mobile-mix.ts)
 * offered at RATE req/s from CONNECTIONS open connections for SECONDS. Baseline in the same run: what DynamoDB
 * Local alone serves here (GetItem with the SDK, 50 in flight), measured while the API idles.
 *
 * autocannon caps its connections at its overall rate (one request per second per connection at least), so about
 * RATE of the connections run the mix at 1 req/s each and the rest are held open as idle phones that read the
 * account now and then (held-connections.ts); their answers count with autocannon's.
 *
 *   npm run bench load            BENCH_USERS, BENCH_PHOTOS, BENCH_CONNECTIONS, BENCH_RATE, BENCH_SECONDS override;
 *                                 BENCH_KEEP=1 keeps the data folder and the API log
 *   npm run bench load -- --quick a smoke run: 3 users, 300 connections at 100 req/s for 8 s
 */
const env = (name: string, full: number, short: number) => Number(process.env[name] ?? (quick ? short : full));
const USERS = env('BENCH_USERS', 20, 3);
const PHOTOS = env('BENCH_PHOTOS', 50, 3);
const CONNECTIONS = env('BENCH_CONNECTIONS', 10_000, 300);
const RATE = env('BENCH_RATE', 2300, 100);
const SECONDS = env('BENCH_SECONDS', 60, 8);
const BASELINE_SECONDS = env('BENCH_BASELINE_SECONDS', 20, 3);
const CONTROL_SECONDS = env('BENCH_CONTROL_SECONDS', 15, 3);
/**
 * Connections running the mix at 1 req/s each; the others are held and ping every PING_SECONDS, so that together
 * they offer RATE: active + (CONNECTIONS - active) / PING_SECONDS = RATE.
 */
const ACTIVE = CONNECTIONS <= RATE ? CONNECTIONS : Math.ceil((PING_SECONDS * RATE - CONNECTIONS) / (PING_SECONDS - 1));
/** autocannon's rate: the connections running the mix send one request a second each (when there are more connections than the rate). */
const MIX_RATE = CONNECTIONS <= RATE ? RATE : ACTIVE;
const HELD = CONNECTIONS - ACTIVE;
/** File descriptors per process: one per connection plus the process's own (AWS sockets, logs, the JVM's pipes). */
const FILES_NEEDED = CONNECTIONS + 1024;

function openFileLimits(): { soft: number; hard: number } {
  const line = fs.readFileSync('/proc/self/limits', 'latin1').split('\n').find((l) => l.startsWith('Max open files'))!;
  const [soft, hard] = line.replace('Max open files', '').trim().split(/\s+/).map((v) => (v === 'unlimited' ? Infinity : Number(v)));
  return { soft: soft!, hard: hard! };
}

/** Raises the soft open-files limit to what is needed (a re-exec under `ulimit -n`), or says what to do. */
function ensureOpenFiles(): void {
  const { soft, hard } = openFileLimits();
  if (soft >= FILES_NEEDED) return;
  if (hard < FILES_NEEDED) {
    console.error(
      `open files: ${CONNECTIONS} connections need ${FILES_NEEDED} descriptors per process; the hard limit is ${hard}. ` +
        `Raise it (as root: \`ulimit -Hn ${FILES_NEEDED}\`, or nofile in /etc/security/limits.conf) or set BENCH_CONNECTIONS lower.`,
    );
    process.exit(1);
  }
  if (process.env.BENCH_RAISED_NOFILE) throw new Error(`ulimit -n ${hard} did not take (soft limit ${soft})`);
  console.log(`open files: soft limit ${soft} < ${FILES_NEEDED} needed; re-running under ulimit -n ${hard}`);
  const child = spawnSync('/bin/sh', ['-c', `ulimit -n ${hard} && exec "$@"`, 'sh', process.execPath, ...process.execArgv, __filename, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, BENCH_RAISED_NOFILE: '1' },
  });
  process.exit(child.status ?? 1);
}

/** DynamoDB Local alone: GetItem reads per second with the SDK, `inFlight` at a time. */
/** Calls per second DynamoDB Local serves alone (SDK, `inFlight` at a time, while the API idles). */
async function dynamoAlone(stack: LocalStackInfo, call: (dynamo: DynamoDBDocumentClient, i: number) => Promise<unknown>, seconds: number, inFlight = 50): Promise<number> {
  const config = withLocalStack(loadConfig({ STACK: 'local', LOG_LEVEL: 'silent' }), stack);
  const dynamo = createDynamoClient(config);
  await Promise.all(Array.from({ length: inFlight }, (_, i) => call(dynamo, i))); // warm-up: sockets open
  let calls = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: inFlight }, async (_, i) => {
      while (performance.now() < until) {
        await call(dynamo, i + calls);
        calls++;
      }
    }),
  );
  dynamo.destroy();
  return calls / ((performance.now() - started) / 1000);
}

/** The simplest read: a user's profile by key. */
const getItem = (stack: LocalStackInfo, users: SeededUser[]) => (dynamo: DynamoDBDocumentClient, i: number) =>
  dynamo.send(new GetCommand({ TableName: stack.resources.table!, Key: keys.profile(users[i % users.length]!.userId) }));

/**
 * The database calls the mobile mix makes, in its proportions, through the API's own repositories: a timeline
 * page is a 60-item Query on GSI1 (the projection), a detail a photo's GetItem, the account a profile GetItem
 * (upload batches, 3 %, are counted as timeline pages). One call per request, as the API makes them.
 */
const mixCalls = (stack: LocalStackInfo, users: SeededUser[]) => {
  const table = stack.resources.table!;
  const timelineShare = MIX.timeline + MIX.upload;
  return (dynamo: DynamoDBDocumentClient, i: number) => {
    const user = users[i % users.length]!;
    const draw = (i * 0.6180339887) % 1;
    if (draw < timelineShare) return new PhotosRepository(dynamo, table).listView('TIMELINE', user.userId, 60);
    if (draw < timelineShare + MIX.detail) return new PhotosRepository(dynamo, table).get(user.userId, user.photoIds[i % user.photoIds.length]!);
    return new UsersRepository(dynamo, table).getProfile(user.userId);
  };
};

/**
 * The control: autocannon with the mix's connections and rate against a bare Fastify route served by another
 * process (no stack, no held connections). What it reports is the load generator's and the machine's own share
 * of the latency and timeouts: on a busy 2-core machine 2,000 connections opening at once is not free.
 */
async function generatorAgainstBareServer(dataDir: string) {
  const bare = await startApi(dataDir, undefined, {}, true);
  try {
    const started = performance.now();
    let firstAnswerMs = NaN;
    const latencies: number[] = [];
    const result = await new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon(
        { url: bare.url, connections: ACTIVE, overallRate: MIX_RATE, duration: CONTROL_SECONDS, timeout: 10, requests: [{ method: 'GET', path: '/bare' }] },
        (error, res) => (error ? reject(error) : resolve(res)),
      );
      instance.on('response', (_client, _status, _bytes, responseTime) => {
        if (Number.isNaN(firstAnswerMs)) firstAnswerMs = performance.now() - started;
        latencies.push(responseTime);
      });
    });
    latencies.sort((a, b) => a - b);
    return {
      seconds: result.duration,
      answeredPerSecond: latencies.length / result.duration,
      firstAnswerMs,
      latencyMs: { p50: Math.round(percentile(latencies, 50)), p99: Math.round(percentile(latencies, 99)), max: Math.round(latencies.at(-1) ?? NaN) },
      timeouts: result.timeouts,
      connectionErrors: result.errors - result.timeouts,
    };
  } finally {
    await bare.stop();
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  ensureOpenFiles();
  const dataDir = tempDataDir('load');
  const log = (line: string) => console.log(`  ${line}`);
  const loadBefore = os.loadavg();
  console.log(
    `Load replay: ${USERS} users x ${PHOTOS} photos, ${CONNECTIONS} connections (${ACTIVE} running the mix, ${HELD} held idle), ` +
      `${RATE} req/s offered for ${SECONDS} s; open files: ${openFileLimits().soft} per process, ${FILES_NEEDED} needed`,
  );
  log(`load average before: ${loadBefore.map((l) => l.toFixed(2)).join(' ')} (${os.cpus().length} cores, shared)`);
  let failed = true;
  try {
    const stack = await startStack(dataDir);
    const api = await startApi(dataDir, stack.info, {
      // Seeding signs up every user from one address; the per-IP auth limit is not what is measured.
      RATE_LIMIT_AUTH_IP_PER_MINUTE: '100000',
      QUOTA_BYTES_DEFAULT: String(1024 ** 4),
    });
    log(`API pid ${api.pid} on ${api.url}, logs in ${api.logFile}`);
    const users = await seedUsers(api.url, USERS, PHOTOS, log);

    const dynamoReadsPerSecond = await dynamoAlone(stack.info, getItem(stack.info, users), BASELINE_SECONDS / 2);
    const dynamoMixPerSecond = await dynamoAlone(stack.info, mixCalls(stack.info, users), BASELINE_SECONDS / 2);
    log(`baseline: DynamoDB Local alone serves ${dynamoReadsPerSecond.toFixed(0)} GetItem/s, ${dynamoMixPerSecond.toFixed(0)} of the mix's calls/s (SDK, 50 in flight, ${BASELINE_SECONDS / 2} s each)`);

    const generatorAlone = await generatorAgainstBareServer(dataDir);
    log(
      `control: the same ${ACTIVE} connections at ${MIX_RATE} req/s against a bare Fastify route (another process), ${CONTROL_SECONDS} s: ` +
        `first answer after ${generatorAlone.firstAnswerMs.toFixed(0)} ms, p50 ${generatorAlone.latencyMs.p50} / p99 ${generatorAlone.latencyMs.p99} ms, ${generatorAlone.timeouts} timeouts`,
    );

    const held = HELD > 0 ? await holdConnections(api.url, HELD, users.map((u) => u.accessToken)) : undefined;
    if (held) log(`${held.opened} idle connections held open in ${held.openingSeconds.toFixed(0)} s (answers to their first GET /v1/me: ${JSON.stringify(held.statuses)})`);

    const { requests, tally } = mobileMix(users);
    const served: number[] = [];
    const loadAverageAtStart = os.loadavg();
    const cpuBefore = cpuMicros(api.pid);
    const schedBefore = mainThreadSchedMicros(api.pid);
    const stackCpuBefore = treeCpuMicros(stack.pid);
    const generatorCpuBefore = process.cpuUsage();
    const machineBefore = machineBusyMicros();
    // The load generator's own event-loop delay: when it is starved (shared cores), its timings are too.
    const generatorDelay = monitorEventLoopDelay({ resolution: 20 });
    generatorDelay.enable();
    const stopPings = held?.startPings();
    const result = await new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon(
        { url: api.url, connections: ACTIVE, overallRate: MIX_RATE, duration: SECONDS, timeout: 10, requests },
        (error, res) => (error ? reject(error) : resolve(res)),
      );
      instance.on('response', (_client, statusCode, _bytes, responseTime) => {
        if (statusCode >= 200 && statusCode < 300) served.push(responseTime);
      });
    });
    const pings: PingStats = (await stopPings?.()) ?? { statuses: {}, servedMs: [], failed: 0 };
    const cpuUsed = cpuMicros(api.pid) - cpuBefore;
    const schedAfter = mainThreadSchedMicros(api.pid);
    const stackCpu = treeCpuMicros(stack.pid) - stackCpuBefore;
    const generatorCpuUsage = process.cpuUsage(generatorCpuBefore);
    const generatorCpu = generatorCpuUsage.user + generatorCpuUsage.system;
    const machineBusy = machineBusyMicros() - machineBefore;
    generatorDelay.disable();
    const loadAverageAtEnd = os.loadavg();
    const heldClosedDuringRun = held?.closes();
    const heldAtEnd = held ? await held.check() : undefined;
    held?.close();
    await api.stop();
    await stack.stop();

    served.push(...pings.servedMs);
    served.sort((a, b) => a - b);
    const statusCodes: Record<string, number> = {};
    for (const [code, s] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = s.count ?? 0;
    for (const [code, n] of Object.entries(pings.statuses)) if (Number(code) > 0) statusCodes[code] = (statusCodes[code] ?? 0) + n;
    const ok = Object.entries(statusCodes).reduce((sum, [code, n]) => sum + (Number(code) >= 200 && Number(code) < 300 ? n : 0), 0);
    const answered = Object.values(statusCodes).reduce((sum, n) => sum + n, 0);
    const figures = {
      servedPerSecond: ok / result.duration,
      answeredPerSecond: answered / result.duration,
      statusCodes,
      non2xxWithoutRetryAfter: tally.non2xxWithoutRetryAfter,
      connectionErrors: result.errors - result.timeouts,
      timeouts: result.timeouts,
      heldPingsFailed: pings.failed,
      servedLatencyMs: { p50: Math.round(percentile(served, 50)), p95: Math.round(percentile(served, 95)), p99: Math.round(percentile(served, 99)), max: Math.round(served.at(-1) ?? NaN) },
      autocannonLatencyMs: { p50: result.latency.p50, p97_5: result.latency.p97_5, p99: result.latency.p99, note: 'coordinated-omission corrected, 2xx only' },
      apiCpuMicrosPerServed: cpuUsed / Math.max(1, ok),
      apiCpuMicrosPerAnswered: cpuUsed / Math.max(1, answered),
      apiCpuSecondsPerSecond: cpuUsed / 1e6 / result.duration,
      servedOverDynamoAlone: ok / result.duration / dynamoReadsPerSecond,
      servedOverDynamoMixAlone: ok / result.duration / dynamoMixPerSecond,
      // Where the machine's two cores went during the run, in cores (CPU seconds per second).
      coresBusy: {
        machine: machineBusy / 1e6 / result.duration,
        api: cpuUsed / 1e6 / result.duration,
        localStack: stackCpu / 1e6 / result.duration,
        loadGenerator: generatorCpu / 1e6 / result.duration,
        other: (machineBusy - cpuUsed - stackCpu - generatorCpu) / 1e6 / result.duration,
      },
      // The API's main thread (its event loop): how long it ran, and how long it was ready to run but got no core.
      apiMainThread: {
        onCpuSecondsPerSecond: (schedAfter.onCpu - schedBefore.onCpu) / 1e6 / result.duration,
        runQueueWaitSecondsPerSecond: (schedAfter.runQueueWait - schedBefore.runQueueWait) / 1e6 / result.duration,
      },
      heldConnections: held ? { opened: held.opened, failedToOpen: held.failedToOpen, openingSeconds: held.openingSeconds, pingSeconds: PING_SECONDS, pings: pings.statuses, closedDuringRun: heldClosedDuringRun, atEnd: heldAtEnd } : null,
      apiErrorsLogged: errorSummary(api.logFile),
      sent: tally.sent,
      statusByKind: tally.statusByKind,
      generatorEventLoopDelayMs: { p50: generatorDelay.percentile(50) / 1e6, p99: generatorDelay.percentile(99) / 1e6, max: generatorDelay.max / 1e6 },
      loadAverage: { before: loadBefore, atStart: loadAverageAtStart, atEnd: loadAverageAtEnd },
    };

    const f = (n: number, d = 0) => n.toFixed(d);
    console.log(`\nMobile mix, ${CONNECTIONS} connections, ${RATE} req/s offered, ${f(result.duration)} s`);
    console.log(`  baseline: DynamoDB Local alone      ${f(dynamoReadsPerSecond)} GetItem/s, ${f(dynamoMixPerSecond)} of the mix's calls/s`);
    const control = generatorAlone;
    console.log(
      `  control: generator vs bare route   p50 ${control.latencyMs.p50} / p99 ${control.latencyMs.p99} ms, ${control.timeouts} timeouts, first answer after ${f(control.firstAnswerMs)} ms`,
    );
    console.log(
      `  served (2xx)                        ${f(figures.servedPerSecond, 1)} req/s  (${f(figures.servedOverDynamoAlone, 2)}x its GetItem/s, ${f(figures.servedOverDynamoMixAlone, 2)}x its mix calls/s)`,
    );
    console.log(`  answered (any status)               ${f(figures.answeredPerSecond, 1)} req/s`);
    console.log(`  status codes                        ${JSON.stringify(statusCodes)}  (non-2xx without Retry-After: ${tally.non2xxWithoutRetryAfter})`);
    console.log(`  connection errors / timeouts        ${figures.connectionErrors} / ${result.timeouts}  (held connections' pings failed: ${pings.failed})`);
    console.log(`  served latency p50 / p95 / p99      ${served.length ? `${figures.servedLatencyMs.p50} / ${figures.servedLatencyMs.p95} / ${figures.servedLatencyMs.p99} ms` : 'nothing served'}`);
    console.log(`  API CPU per served request          ${f(figures.apiCpuMicrosPerServed)} µs  (${f(figures.apiCpuMicrosPerAnswered)} µs per answer; ${f(figures.apiCpuSecondsPerSecond, 2)} cores busy)`);
    const cores = figures.coresBusy;
    console.log(
      `  cores busy (of ${os.cpus().length})                  machine ${f(cores.machine, 2)}: API ${f(cores.api, 2)}, local stack ${f(cores.localStack, 2)}, ` +
        `load generator ${f(cores.loadGenerator, 2)}, other ${f(cores.other, 2)}`,
    );
    const loop = figures.apiMainThread;
    console.log(`  API event loop, per second          ${f(loop.onCpuSecondsPerSecond * 1000)} ms on a core, ${f(loop.runQueueWaitSecondsPerSecond * 1000)} ms ready but waiting for one`);
    if (Object.keys(figures.apiErrorsLogged).length > 0) console.log(`  API errors logged (top)             ${JSON.stringify(figures.apiErrorsLogged)}`);
    if (held) {
      const c = heldClosedDuringRun!;
      console.log(
        `  held connections closed in the run  ${c.count} (by error: ${JSON.stringify(c.byError)}; median quiet time before: ${f(c.medianIdleMs / 1000, 1)} s; ` +
          `first/median/last at ${c.closedAtSeconds.map((t) => f(t)).join('/')} s from the start of opening)`,
      );
      console.log(`  held connections                    ${held.opened} opened, pings ${JSON.stringify(pings.statuses)}, ${heldAtEnd!.dropped} closed and ${heldAtEnd!.unanswered} unanswered at the end (GET /health/live: ${JSON.stringify(heldAtEnd!.statuses)})`);
    }
    console.log(`  requests sent by kind               ${JSON.stringify(tally.sent)}`);
    const d = figures.generatorEventLoopDelayMs;
    console.log(`  load generator's event-loop delay   p50 ${f(d.p50)} ms, p99 ${f(d.p99)} ms, max ${f(d.max)} ms`);
    console.log(`  load average at start / end         ${loadAverageAtStart.map((l) => f(l, 2)).join(' ')} / ${loadAverageAtEnd.map((l) => f(l, 2)).join(' ')}`);

    writeResult('load', {
      baseline: {
        description: "DynamoDB Local alone, with the SDK, 50 in flight, while the API idles: GetItem/s, and the mix's own calls/s (a 60-item timeline Query, a photo GetItem, a profile GetItem in the mix's proportions)",
        dynamoGetItemPerSecond: dynamoReadsPerSecond,
        dynamoMixCallsPerSecond: dynamoMixPerSecond,
        seconds: BASELINE_SECONDS / 2,
        generatorAgainstBareServer: generatorAlone,
      },
      figures,
      parameters: { users: USERS, photosPerUser: PHOTOS, connections: CONNECTIONS, mixConnections: ACTIVE, heldConnections: HELD, rate: RATE, seconds: SECONDS },
    });
    failed = false;
  } finally {
    await stopAll();
    // A failed run keeps its data and the API's log to look at.
    if (failed || process.env.BENCH_KEEP === '1') console.error(`  data and API log kept in ${dataDir}`);
    else fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

void main().catch(async (error: unknown) => {
  console.error(error);
  await stopAll();
  process.exit(1);
});
