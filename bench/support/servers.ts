import Fastify from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig, withLocalStack } from '../../src/config.js';
import { startLocalStack } from '../../src/local/stack.js';

/**
 * Serves the benchmark targets from one child process, so the load generator does not share
 * an event loop with them: a bare Fastify route (the baseline) and the real app on a local stack.
 */
async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const stack = await startLocalStack({ dataDir: process.argv[2] ?? '.data-bench', reset: true });

  const bare = Fastify({ logger: false });
  bare.get('/health/live', async () => ({ status: 'ok' }));
  const bareUrl = await bare.listen({ port: 0, host: '127.0.0.1' });

  // Logs off in both, so the figure is the request pipeline (hooks, headers, validation, serialization).
  const config = withLocalStack(loadConfig({ STACK: 'local', LOG_LEVEL: 'silent', WORKER_CONCURRENCY: '0' }), stack);
  const app = await buildApp(config, { logger: false });
  const appUrl = await app.listen({ port: 0, host: '127.0.0.1' });

  process.stdout.write(`${JSON.stringify({ bare: bareUrl, app: appUrl })}\n`);
  const stop = async () => {
    await Promise.all([bare.close(), app.close()]);
    await stack.stop();
    process.exit(0);
  };
  process.stdin.on('end', () => void stop());
  process.stdin.resume();
}

void main();
