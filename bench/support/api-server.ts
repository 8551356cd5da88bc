import Fastify from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig, withLocalStack, type LocalStackInfo } from '../../src/config.js';

/**
 * The API as `npm start` serves it (src/server.ts: loadConfig() from this process's environment, buildApp, listen),
 * except that the local stack runs in another process (its description in AURORAVAULT_BENCH_STACK), so this
 * process's CPU time in /proc/<pid>/stat is the API's alone. With BENCH_BARE=1 it serves a bare Fastify route
 * instead, the baseline of bench/api-overhead.ts, started the same way. The URL goes to the parent over IPC, since
 * stdout carries the logs. SIGTERM, or the end of the IPC channel, closes it.
 */
async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const config = loadConfig();
  let app;
  if (process.env.BENCH_BARE === '1') {
    app = Fastify({ logger: false });
    app.get('/bare', async () => ({ status: 'ok' }));
  } else {
    const stack = JSON.parse(process.env.AURORAVAULT_BENCH_STACK ?? 'null') as LocalStackInfo | null;
    if (!stack) throw new Error('AURORAVAULT_BENCH_STACK is not set (bench/support/processes.ts sets it)');
    app = await buildApp(withLocalStack(config, stack));
  }
  // As server.ts: its accept queue when the config has one (HTTP_LISTEN_BACKLOG), else Node's default.
  const backlog = (config.http as { listenBacklog?: number }).listenBacklog;
  const url = await app.listen({ port: 0, host: '127.0.0.1', ...(backlog ? { backlog } : {}) });
  const close = () => void app.close().finally(() => process.exit(0));
  process.on('SIGTERM', close);
  // The benchmark that started it is gone (even killed): no server is left behind.
  process.on('disconnect', close);
  process.send?.({ url });
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
