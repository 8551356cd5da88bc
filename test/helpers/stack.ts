import type { FastifyInstance } from 'fastify';
import { buildApp, type BuildOptions } from '../../src/app.js';
import { loadConfig, withLocalStack, type AppConfig, type LocalStackInfo } from '../../src/config.js';
import { captureLogger } from './log-capture.js';

/** The local stack that jest's global setup started for this run. */
export function localStack(): LocalStackInfo {
  const raw = process.env.AURORAVAULT_TEST_STACK;
  if (!raw) throw new Error('The local stack is not running: run the tests through jest (global setup starts it)');
  return JSON.parse(raw) as LocalStackInfo;
}

/**
 * Config for an app on the test stack. Workers are off unless a test asks for them, since
 * every app on the shared queue would otherwise take other tests' jobs.
 */
export function testConfig(env: Record<string, string> = {}): AppConfig {
  const base = loadConfig({ STACK: 'local', NODE_ENV: 'test', LOG_LEVEL: 'silent', WORKER_CONCURRENCY: '0', ...env });
  return withLocalStack(base, localStack());
}

export interface RunningApp {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

/** The real app for a test, not listening; its logs go to the log audit's capture unless `options.logger` says otherwise. */
export function buildTestApp(config: AppConfig, options: BuildOptions = {}): Promise<FastifyInstance> {
  return buildApp(config, { logger: captureLogger(config), ...options });
}

/** Builds the real app on the test stack and serves it on a free loopback port. */
export async function startApp(env: Record<string, string> = {}, options: BuildOptions = {}): Promise<RunningApp> {
  const app = await buildTestApp(testConfig(env), options);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url, close: () => app.close() };
}
