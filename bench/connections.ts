import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { openFileLimit } from '../src/plugins/app/overload.js';
import { client, registeredUser } from '../test/helpers/accounts.js';
import { takeResponse } from './support/held-connections.js';
import { quick, writeResult } from './support/results.js';

/**
 * 10,000 open connections, every one answered (docs/architecture.md, "Overload"):
 *   tsx bench/connections.ts [--quick] [--root DIR]
 * Starts the API with its local stack in a child process (its own file descriptors), signs a user up,
 * opens CONNECTIONS keep-alive sockets, then sends one request on every socket at once, twice:
 * GET /health/live (never shed: the baseline, what holding the connections alone costs) and
 * GET /v1/me (authenticated, DynamoDB behind it: mostly shed). Every socket must get a whole answer,
 * 2xx or 503 with Retry-After, and no socket may be reset or closed. A second /v1/me round after the
 * Retry-After shows the same sockets still held and served. Exit code 1 if anything else happened.
 * `--root` runs another checkout's server (e.g. the code before this change) with this client.
 */

const CONNECTIONS = quick ? 1000 : 10_000;
const rootArg = process.argv.indexOf('--root');
const root = rootArg >= 0 ? path.resolve(process.argv[rootArg + 1]!) : path.resolve(__dirname, '..');
const ANSWER_TIMEOUT_MS = 60_000;

interface Sock {
  socket: net.Socket;
  buffer: string;
  gone?: string;
  pending?: (answer: Answer) => void;
}

interface Answer {
  status: number;
  retryAfter?: string;
  ms: number;
  /** Why there was no answer: 'reset', 'closed', 'timeout'. */
  failure?: string;
}

function startServer(): Promise<{ url: string; child: ChildProcess }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'auroravault-connections-'));
  // e.g. BENCH_SERVER_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' (NODE_OPTIONS refuses --cpu-prof).
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    env: { ...process.env, STACK: 'local', NODE_ENV: 'test', PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'error', LOG_PRETTY: '0', WORKER_CONCURRENCY: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child.once('exit', () => fs.rmSync(dataDir, { recursive: true, force: true }));
  return new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const found = /AuroraVault API on (http:\/\/\S+)/.exec(line);
      if (found) resolve({ url: found[1]!, child });
    });
    child.once('exit', (code) => reject(new Error(`the server exited (${code}) before it listened`)));
  });
}

async function open(url: URL, count: number): Promise<{ socks: Sock[]; failed: number }> {
  const socks: Sock[] = [];
  let failed = 0;
  let next = 0;
  const one = () =>
    new Promise<void>((resolve) => {
      const sock: Sock = { socket: net.connect({ host: url.hostname, port: Number(url.port) }), buffer: '' };
      sock.socket.setEncoding('latin1');
      sock.socket.on('data', (chunk: string) => {
        sock.buffer += chunk;
        const answer = takeResponse(sock);
        if (answer) sock.pending?.({ ...answer, ms: 0 });
      });
      sock.socket.on('error', (error: NodeJS.ErrnoException) => {
        sock.gone ??= error.code === 'ECONNRESET' ? 'reset' : (error.code ?? 'error');
      });
      sock.socket.on('close', () => {
        sock.gone ??= 'closed';
        sock.pending?.({ status: 0, ms: 0, failure: sock.gone });
      });
      sock.socket.once('connect', () => {
        socks.push(sock);
        resolve();
      });
      sock.socket.once('error', () => {
        failed++;
        resolve();
      });
    });
  // A few hundred handshakes at a time: the client's own burst is not what is measured.
  await Promise.all(
    Array.from({ length: 500 }, async () => {
      while (next++ < count) await one();
    }),
  );
  return { socks, failed };
}

/** The same request on every socket at once; each answer timed from the moment all were written. */
async function round(socks: Sock[], host: string, path: string, token?: string): Promise<Answer[]> {
  const request = `GET ${path} HTTP/1.1\r\nhost: ${host}\r\n${token ? `authorization: Bearer ${token}\r\n` : ''}accept: application/json\r\n\r\n`;
  const started = performance.now();
  const answers = socks.map(
    (sock) =>
      new Promise<Answer>((resolve) => {
        if (sock.gone) return resolve({ status: 0, ms: 0, failure: sock.gone });
        const timer = setTimeout(() => finish({ status: 0, ms: 0, failure: 'timeout' }), ANSWER_TIMEOUT_MS);
        const finish = (answer: Answer) => {
          clearTimeout(timer);
          sock.pending = undefined;
          resolve({ ...answer, ms: performance.now() - started });
        };
        sock.pending = finish;
        sock.socket.write(request);
      }),
  );
  return Promise.all(answers);
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! * 10) / 10;
}

function summarise(answers: Answer[]) {
  const statuses: Record<string, number> = {};
  const failures: Record<string, number> = {};
  for (const a of answers) {
    if (a.failure) failures[a.failure] = (failures[a.failure] ?? 0) + 1;
    else statuses[a.status] = (statuses[a.status] ?? 0) + 1;
  }
  const ms = (filter: (a: Answer) => boolean) => {
    const sorted = answers.filter(filter).map((a) => a.ms).sort((x, y) => x - y);
    return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: percentile(sorted, 100) };
  };
  const bad = answers.filter((a) => a.failure || !((a.status >= 200 && a.status < 300) || (a.status === 503 && a.retryAfter))).length;
  return { statuses, failures, bad, servedMs: ms((a) => a.status >= 200 && a.status < 300), shedMs: ms((a) => a.status === 503), allMs: ms((a) => !a.failure) };
}

async function main(): Promise<void> {
  const limit = openFileLimit();
  if (limit !== undefined && limit < CONNECTIONS + 500) {
    console.error(`This client needs ${CONNECTIONS + 500} open files and may have ${limit}: run \`ulimit -n ${CONNECTIONS + 1000}\` first (the server needs as many).`);
    process.exit(1);
  }
  const { url, child } = await startServer();
  const stopped = new Promise((resolve) => child.once('exit', resolve));
  let failed = true;
  try {
    const target = new URL(url);
    const { accessToken: token } = await registeredUser(client(url), 'connections');
    const opening = performance.now();
    const { socks, failed: connectFailed } = await open(target, CONNECTIONS);
    const openMs = Math.round(performance.now() - opening);
    const live = summarise(await round(socks, target.host, '/health/live'));
    const me = summarise(await round(socks, target.host, '/v1/me', token));
    await new Promise((resolve) => setTimeout(resolve, 2000)); // the Retry-After the server asked for (default 2 s)
    const again = summarise(await round(socks, target.host, '/v1/me', token));
    const stillOpen = socks.filter((s) => !s.gone).length;
    for (const sock of socks) sock.socket.destroy();

    writeResult('connections', {
      baseline: { description: 'GET /health/live on every socket at once (never shed, no dependency)', ...live },
      figures: { connected: socks.length, connectFailed, openMs, stillOpenAtEnd: stillOpen, burstMe: me, burstMeAfterRetryAfter: again },
      parameters: { connections: CONNECTIONS, answerTimeoutMs: ANSWER_TIMEOUT_MS, clientOpenFiles: limit, root },
    });
    console.log(JSON.stringify({ connected: socks.length, connectFailed, stillOpen, live, me, again }, null, 2));
    failed = connectFailed > 0 || stillOpen !== CONNECTIONS || live.bad + me.bad + again.bad > 0;
    if (failed) console.error('FAILED: a connection was refused, reset, closed or left unanswered, or an answer was neither 2xx nor 503 with Retry-After');
  } finally {
    child.kill('SIGTERM');
    await stopped;
  }
  process.exit(failed ? 1 : 0);
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
