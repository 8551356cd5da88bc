import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import type { LocalStackInfo } from '../../src/config.js';

/**
 * The processes a load benchmark runs: the local AWS stack (src/local/cli.ts, as the test suite starts it) and the
 * API (bench/support/api-server.ts), each in its own process group, so that the API's CPU time is its own and a
 * stop ends every child they started (DynamoDB Local's JVM included).
 */
const ROOT = path.resolve(__dirname, '../..');
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

export interface Running {
  pid: number;
  stop(): Promise<void>;
}

/** SIGTERM to the whole group, SIGKILL after `graceMs`; resolves when the leader has exited. */
function stopper(child: ChildProcess, graceMs = 10_000): () => Promise<void> {
  return async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const signal = (name: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, name);
      } catch {
        // already gone
      }
    };
    signal('SIGTERM');
    const timer = setTimeout(() => signal('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
}

const live = new Set<() => Promise<void>>();
/** Stops everything still running (on an error or Ctrl-C of the benchmark). */
export async function stopAll(): Promise<void> {
  await Promise.allSettled([...live].map((stop) => stop()));
  live.clear();
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void stopAll().finally(() => process.exit(130)));
}

function track(child: ChildProcess, graceMs?: number): Running {
  const stop = stopper(child, graceMs);
  const wrapped = async () => {
    live.delete(wrapped);
    await stop();
  };
  live.add(wrapped);
  return { pid: child.pid!, stop: wrapped };
}

export function tempDataDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `auroravault-bench-${label}-`));
}

export async function startStack(dataDir: string): Promise<Running & { info: LocalStackInfo }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/local/cli.ts'), '--data-dir', path.join(dataDir, 'stack')], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
    detached: true,
  });
  const running = track(child);
  const line = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the local stack exited with code ${code} before it was ready`)));
  });
  return { ...running, info: JSON.parse(line) as LocalStackInfo };
}

/**
 * Starts the API with `env` on top of this process's environment; its logs (JSON, as in production) and its
 * stderr go to <dataDir>/api.log. `bare`: the bare Fastify baseline instead.
 */
export async function startApi(
  dataDir: string,
  stack: LocalStackInfo | undefined,
  env: Record<string, string>,
  bare = false,
): Promise<Running & { url: string; logFile: string }> {
  const logFile = path.join(dataDir, bare ? 'bare.log' : 'api.log');
  const log = fs.openSync(logFile, 'a');
  // BENCH_API_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' profiles the API (NODE_OPTIONS refuses --cpu-prof).
  const nodeArgs = (process.env.BENCH_API_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', path.join(__dirname, 'api-server.ts')], {
    cwd: ROOT,
    stdio: ['ignore', log, log, 'ipc'],
    detached: true,
    env: {
      ...process.env,
      STACK: 'local',
      DATA_DIR: path.join(dataDir, 'stack'),
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      LOG_PRETTY: 'false',
      PORT: '0',
      // A benchmark stands thousands of phones on a few accounts: one phone's per-user budgets are not what is measured.
      RATE_LIMIT_USER_PER_MINUTE: '1000000',
      RATE_LIMIT_UPLOAD_BATCHES_PER_MINUTE: '1000000',
      ...env,
      AURORAVAULT_BENCH_STACK: stack ? JSON.stringify(stack) : '',
      BENCH_BARE: bare ? '1' : '0',
    },
  });
  fs.closeSync(log);
  const running = track(child);
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (message: { url: string }) => resolve(message.url));
    child.once('exit', (code) => reject(new Error(`the API exited with code ${code} before it listened (see ${logFile})`)));
  });
  return { ...running, url, logFile };
}

/** CPU time (user + system) the process has used so far, in µs, from /proc/<pid>/stat (Linux; 1/CLK_TCK steps). */
export function cpuMicros(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
  // Fields after the command name (which may hold spaces), from the 3rd: utime and stime are the 14th and 15th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1e6) / CLOCK_TICKS;
}

/** CPU time (µs) of a process and every process below it (the local stack's JVM, decoders): /proc, Linux. */
export function treeCpuMicros(pid: number): number {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'latin1');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  let total = 0;
  const pending = [pid];
  while (pending.length > 0) {
    const next = pending.pop()!;
    try {
      total += cpuMicros(next);
    } catch {
      continue;
    }
    pending.push(...(children.get(next) ?? []));
  }
  return total;
}

/**
 * The main thread's time on a CPU and waiting on a run queue for one, in µs (/proc/<pid>/schedstat). The
 * wait is the machine's doing, not the process's: a thread that is ready to run and gets no core.
 */
export function mainThreadSchedMicros(pid: number): { onCpu: number; runQueueWait: number } {
  const [onCpu = NaN, wait = NaN] = fs.readFileSync(`/proc/${pid}/schedstat`, 'latin1').trim().split(' ').map(Number);
  return { onCpu: onCpu / 1000, runQueueWait: wait / 1000 };
}

/** CPU time (µs) every core of the machine spent busy (not idle or waiting on I/O) so far, from /proc/stat. */
export function machineBusyMicros(): number {
  const cpuLine = fs.readFileSync('/proc/stat', 'latin1').split('\n')[0] ?? '';
  // cpu user nice system idle iowait irq softirq steal ...: all but idle and iowait.
  const busy = cpuLine.trim().split(/\s+/).slice(1, 9).map(Number).reduce((sum, ticks, i) => (i === 3 || i === 4 ? sum : sum + ticks), 0);
  return (busy * 1e6) / CLOCK_TICKS;
}

/** The API's error log lines (pino level >= 50) counted by message: why requests failed, when they did. */
export function errorSummary(logFile: string, top = 8): Record<string, number> {
  const counts = new Map<string, number>();
  for (const line of fs.readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.includes('"level":5') && !line.includes('"level":6')) continue;
    try {
      const entry = JSON.parse(line) as { level: number; msg?: string; err?: { type?: string; message?: string } };
      if (entry.level < 50) continue;
      const key = `${entry.msg ?? ''}${entry.err ? `: ${entry.err.type ?? ''} ${entry.err.message ?? ''}` : ''}`.slice(0, 200);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    } catch {
      // not a log line of ours
    }
  }
  return Object.fromEntries([...counts].sort((a, b) => b[1] - a[1]).slice(0, top));
}
