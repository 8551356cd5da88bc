import fs from 'node:fs';
import type { LocalStackInfo } from '../../../src/config.js';
import { startStack } from './processes.js';

/**
 * A local AWS stack of the test file's own (src/local/cli.ts in a child process, its own data folder) whose
 * servers a test can freeze and thaw with SIGSTOP / SIGCONT, which is what a network partition looks like
 * to a client: connections are accepted by the kernel, then nothing answers. Two processes serve it:
 * DynamoDB Local's JVM (a child of the stack), and the stack's Node process (S3, SQS, SES, Cognito,
 * EventBridge).
 */
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

export async function startOutageStack(label: string): Promise<OutageStack> {
  const stack = await startStack(label);
  let pids: Record<Frozen, number>;
  try {
    pids = { stack: stack.pid, dynamodb: dynamoPid(stack.pid) };
  } catch (error) {
    await stack.stop();
    throw error;
  }
  const frozen = new Set<Frozen>();
  return {
    info: stack.info,
    freeze(target) {
      frozen.add(target);
      signal(pids[target], 'SIGSTOP');
    },
    thaw(target) {
      frozen.delete(target);
      signal(pids[target], 'SIGCONT');
    },
    async stop() {
      for (const target of frozen) signal(pids[target], 'SIGCONT');
      frozen.clear();
      await stack.stop();
    },
  };
}
