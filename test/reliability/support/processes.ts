import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import type { LocalStackInfo } from '../../../src/config.js';
import { freePort } from '../../../src/local/ports.js';
import { GOOD_PASSWORD, uniqueEmail } from '../../helpers/accounts.js';

/**
 * Real processes for the reliability tests: a local AWS stack of the test file's own (src/local/cli.ts, in a data
 * folder of its own) and the production entry (src/server.ts, STACK=aws) pointed at it, which a test can kill -9,
 * SIGTERM and start again on the same data. Each runs in its own process group, so a stop also ends what it
 * started (DynamoDB Local's JVM, photo decoder processes), even after the leader died.
 */
const ROOT = path.resolve(__dirname, '../../..');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

function exitOf(child: ChildProcess): Promise<Exit> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

/** Signals the whole process group; nothing happens when it is gone already. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
}

export interface Stack {
  info: LocalStackInfo;
  dataDir: string;
  /** The stack's Node process, leader of its group (DynamoDB Local's JVM is its child). */
  pid: number;
  /** SIGTERM, SIGKILL to the group after 10 s; then the data folder is removed. */
  stop(): Promise<void>;
}

export async function startStack(label: string): Promise<Stack> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `auroravault-${label}-`));
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/local/cli.ts'), '--data-dir', dataDir], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
    detached: true,
  });
  const exited = exitOf(child);
  const stop = async () => {
    signalGroup(child, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    // The JVM may outlive the leader for a moment.
    signalGroup(child, 'SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const line = await new Promise<string>((resolve, reject) => {
      readline.createInterface({ input: child.stdout! }).once('line', resolve);
      void exited.then(({ code }) => reject(new Error(`the local stack exited (${code}) before it was ready`)));
    });
    return { info: JSON.parse(line) as LocalStackInfo, dataDir, pid: child.pid!, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The environment of a production task (STACK=aws) whose AWS is the given local stack. */
export function apiEnv(stack: LocalStackInfo): Record<string, string> {
  const { resources: r, endpoints: e } = stack;
  return {
    STACK: 'aws',
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    LOG_PRETTY: 'false',
    HOST: '127.0.0.1',
    AWS_REGION: stack.region,
    AWS_ACCESS_KEY_ID: stack.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: stack.credentials.secretAccessKey,
    S3_BUCKET: r.bucket!,
    DYNAMODB_TABLE: r.table!,
    SQS_QUEUE_URL: r.queueUrl!,
    SQS_DLQ_URL: r.dlqUrl!,
    SES_FROM_ADDRESS: r.emailFrom!,
    COGNITO_USER_POOL_ID: r.userPoolId!,
    COGNITO_CLIENT_ID: r.userPoolClientId!,
    EVENT_BUS_NAME: r.eventBusName!,
    CURSOR_SECRET: stack.cursorSecret,
    AWS_ENDPOINT_URL_S3: e.s3,
    AWS_ENDPOINT_URL_DYNAMODB: e.dynamodb,
    AWS_ENDPOINT_URL_SQS: e.sqs,
    AWS_ENDPOINT_URL_SES: e.ses,
    AWS_ENDPOINT_URL_EVENTBRIDGE: e.eventbridge,
    AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: e.cognito,
    // The tests' clients poll and retry harder than a person: no rate limit gets in the way.
    RATE_LIMIT_AUTH_IP_PER_MINUTE: '100000',
    RATE_LIMIT_USER_PER_MINUTE: '100000',
    RATE_LIMIT_UPLOAD_BATCHES_PER_MINUTE: '100000',
  };
}

export interface LogEntry {
  level: number;
  msg?: string;
  reqId?: string;
  res?: { statusCode?: number };
  [field: string]: unknown;
}

export interface Api {
  url: string;
  pid: number;
  exited: Promise<Exit>;
  /** Every line the process wrote to stdout and stderr. */
  output(): string;
  /** Its JSON log lines. */
  logs(): LogEntry[];
  /** Signals the API process only (a crash, a SIGTERM from the orchestrator): whatever it started stays. */
  kill(signal: NodeJS.Signals): void;
  /** SIGKILL to its whole group (the API and the decoder processes it forked), then waits for the leader. */
  destroy(): Promise<void>;
}

/** src/server.ts, as `node dist/server.js` runs in the container, on a free port; resolves once it is live. */
export async function startApi(stack: LocalStackInfo, env: Record<string, string> = {}, startTimeoutMs = 60_000): Promise<Api> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/server.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...apiEnv(stack), PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = exitOf(child);
  const api: Api = {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    exited,
    output: () => output,
    logs: () =>
      output
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .flatMap((line) => {
          try {
            return [JSON.parse(line) as LogEntry];
          } catch {
            return [];
          }
        }),
    kill: (signal) => void child.kill(signal),
    destroy: async () => {
      signalGroup(child, 'SIGKILL');
      await exited;
    },
  };
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + startTimeoutMs;
  while (!(await isLive(api.url))) {
    if (gone || Date.now() > deadline) {
      await api.destroy();
      throw new Error(`the API did not start within ${startTimeoutMs} ms:\n${output.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return api;
}

async function isLive(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/health/live`, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

/** What the stack's SES captured for an address (the emulator's GET /store; the production API has no /_dev/mail). */
export async function mailTo(stack: LocalStackInfo, email: string): Promise<{ subject: string; text?: string }[]> {
  const response = await fetch(new URL('/store', stack.endpoints.ses));
  const { emails } = (await response.json()) as { emails: { destination: { to: string[] }; subject: string; body: { text?: string } }[] };
  const wanted = email.toLowerCase();
  return emails.filter((mail) => mail.destination.to.some((to) => to.toLowerCase() === wanted)).map((mail) => ({ subject: mail.subject, text: mail.body.text }));
}

async function post<T>(url: string, body: unknown, token?: string): Promise<{ status: number; body: T }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

/** Signs up through the API, confirms with the code Cognito mailed, logs in: an access token. */
export async function registeredUser(api: { url: string }, stack: LocalStackInfo, label: string): Promise<{ email: string; userId: string; accessToken: string }> {
  const email = uniqueEmail(label);
  const signup = await post<{ userId: string }>(`${api.url}/v1/auth/signup`, { email, password: GOOD_PASSWORD, name: label });
  if (signup.status !== 201) throw new Error(`signup: ${signup.status} ${JSON.stringify(signup.body)}`);
  let code: string | undefined;
  for (let tries = 0; !code && tries < 100; tries++) {
    code = (await mailTo(stack, email)).map((mail) => /\b(\d{6})\b/.exec(mail.text ?? '')?.[1]).find(Boolean);
    if (!code) await new Promise((r) => setTimeout(r, 100));
  }
  if (!code) throw new Error(`no confirmation code mailed to ${email}`);
  const confirm = await post(`${api.url}/v1/auth/confirm`, { email, code });
  if (confirm.status !== 200) throw new Error(`confirm: ${confirm.status} ${JSON.stringify(confirm.body)}`);
  const login = await post<{ accessToken: string }>(`${api.url}/v1/auth/login`, { email, password: GOOD_PASSWORD });
  if (login.status !== 200) throw new Error(`login: ${login.status} ${JSON.stringify(login.body)}`);
  return { email, userId: signup.body.userId, accessToken: login.body.accessToken };
}

export interface HoldingProxy {
  endpoint: string;
  /** Requests held so far. */
  held(): number;
  /** Holds from now on. */
  hold(): void;
  /** Forwards the held requests and every later one. */
  release(): void;
  close(): void;
}

/**
 * An HTTP proxy in front of a local AWS endpoint that holds (never forwards, never answers) the requests `hold`
 * picks while holding is on: a dependency that went silent for just those calls, or a process killed while they
 * were on the wire. Everything else goes through unchanged (signatures included: the Host header is kept).
 */
export async function holdingProxy(target: string, hold: (req: http.IncomingMessage) => boolean, holding = true): Promise<HoldingProxy> {
  const upstream = new URL(target);
  const parked: (() => void)[] = [];
  let on = holding;
  let held = 0;
  const forward = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const call = http.request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    call.on('error', () => res.destroy());
    req.pipe(call);
  };
  const server = http.createServer((req, res) => {
    if (on && hold(req)) {
      held++;
      req.pause();
      parked.push(() => forward(req, res));
      return;
    }
    forward(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    held: () => held,
    hold: () => void (on = true),
    release: () => {
      on = false;
      for (const send of parked.splice(0)) send();
    },
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}
