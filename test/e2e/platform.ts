import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import type { FastifyInstance } from 'fastify';
import { loadConfig, withLocalStack, type AppConfig, type LocalStackInfo } from '../../src/config.js';
import { freePort } from '../../src/local/ports.js';
import { ensureWebBuild } from '../../src/local/web-build.js';
import { client, type ApiClient } from '../helpers/accounts.js';
import { buildTestApp } from '../helpers/stack.js';

/**
 * The platform the browser test drives, as `npm start` runs it: the API serving the app's web build at
 * `/` (same origin), on a local AWS stack of its own (its bucket's CORS must allow the page's origin,
 * which the suite's shared stack does not). The API has a fixed port so that it can be stopped and
 * started again at the same address.
 */
export interface Platform {
  /** The API's address, where the browser opens the app. */
  url: string;
  api: ApiClient;
  stack: LocalStackInfo;
  /** Stops the API (the stack, the bucket and the page stay). */
  stopApi(): Promise<void>;
  /** Starts the API again on the same port over the same stack. */
  startApi(): Promise<void>;
  close(): Promise<void>;
}

export async function startPlatform(): Promise<Platform> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'auroravault-e2e-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // The build is reused while the app is unchanged (mobile/dist, as `npm start` does).
  const [stack, web] = await Promise.all([
    startStackProcess(dataDir, url),
    ensureWebBuild({ mobileDir: path.resolve(__dirname, '../../mobile'), log: () => undefined }),
  ]);
  if (web.status === 'unavailable') {
    await stack.stop();
    throw new Error(`no web build of the app: ${web.reason}`);
  }
  const config: AppConfig = withLocalStack(
    loadConfig({
      STACK: 'local',
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      WEB_APP_DIR: web.dir,
      // Thumbnails are made by the job workers. Short polls: stopApi aborts a long poll on the client side,
      // but the local SQS keeps it open and hands it the next job (the restarted API's), which then stays
      // invisible for the visibility timeout (60 s) before another worker gets it.
      WORKER_CONCURRENCY: '2',
      WORKER_WAIT_SECONDS: '0',
      RATE_LIMIT_AUTH_IP_PER_MINUTE: '10000',
      RATE_LIMIT_AUTH_EMAIL_PER_15_MINUTES: '10000',
    }),
    stack.info,
  );

  let app: FastifyInstance | undefined;
  const startApi = async () => {
    const next = await buildTestApp(config);
    await next.listen({ port, host: '127.0.0.1' });
    app = next;
  };
  const stopApi = async () => {
    await app?.close();
    app = undefined;
  };
  try {
    await startApi();
  } catch (error) {
    await stack.stop();
    throw error;
  }

  return {
    url,
    api: client(url),
    stack: stack.info,
    stopApi,
    startApi,
    close: async () => {
      await stopApi();
      await stack.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The stack in a child process (jest cannot load cognito-local), as the suite's global setup runs its own. */
async function startStackProcess(dataDir: string, appOrigin: string): Promise<{ info: LocalStackInfo; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'stack-process.ts'), dataDir, appOrigin], {
    cwd: path.resolve(__dirname, '../..'),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const line = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the e2e local stack exited with code ${code} before it was ready`)));
  });
  return {
    info: JSON.parse(line) as LocalStackInfo,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
