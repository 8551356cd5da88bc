import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import type { LocalStackInfo } from '../../../src/config.js';

/**
 * A local AWS stack of the test file's own (src/local/cli.ts in a child process, its own data folder) whose
 * servers a test can freeze and thaw with SIGSTOP / SIGCONT, which is what a network partition looks like
 * to a client: connections are accepted by the kernel, then nothing answers. Two processes serve it:
 * DynamoDB Local's JVM (a child of the stack), and the stack's Node process (S3, SQS, SES, Cognito,
 * EventBridge).
 */
const ROOT = path.resolve(__dirname, '../../..');

export type Frozen = 'dynamodb' | 'stack';

export interface OutageStack {
  info: LocalStackInfo;
  freeze(target: Frozen): void;
  thaw(target: Frozen): void;
  /** Thaws whatever is frozen, then SIGTERM to the group (SIGKILL after 10 s), and removes the data folder. */
  stop(): Promise<void>;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

/** The DynamoDB Local JVM among the stack's children (setpriv execs java, so it is a direct child). */
function dynamoPid(stackPid: number): number {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'latin1');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== stackPid) continue;
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'latin1').includes('DynamoDBLocal.jar')) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  throw new Error(`no DynamoDB Local process under the stack (pid ${stackPid})`);
}

function exitOf(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

export async function startOutageStack(label: string): Promise<OutageStack> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `auroravault-${label}-`));
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/local/cli.ts'), '--data-dir', dataDir], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
    detached: true,
  });
  const exited = exitOf(child);
  const frozen = new Set<Frozen>();
  let pids: Record<Frozen, number> | undefined;
  let line = '';
  const stop = async () => {
    for (const target of frozen) signal(pids![target], 'SIGCONT');
    frozen.clear();
    signal(-child.pid!, 'SIGTERM');
    const timer = setTimeout(() => signal(-child.pid!, 'SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    // The JVM may outlive the leader for a moment.
    signal(-child.pid!, 'SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    line = await new Promise<string>((resolve, reject) => {
      readline.createInterface({ input: child.stdout! }).once('line', resolve);
      void exited.then(() => reject(new Error('the local stack exited before it was ready')));
    });
    pids = { stack: child.pid!, dynamodb: dynamoPid(child.pid!) };
  } catch (error) {
    await stop();
    throw error;
  }
  const known = pids;
  return {
    info: JSON.parse(line) as LocalStackInfo,
    freeze(target) {
      frozen.add(target);
      signal(known[target], 'SIGSTOP');
    },
    thaw(target) {
      frozen.delete(target);
      signal(known[target], 'SIGCONT');
    },
    stop,
  };
}
