import path from 'node:path';
import { buildApp } from './app.js';
import { ConfigError, loadConfig, withLocalStack, type AppConfig } from './config.js';
import { MIN_OPEN_FILES, openFileLimit } from './plugins/app/overload.js';

/**
 * The process entry: parse config, start the embedded local stack unless STACK=aws,
 * serve, and shut down gracefully on SIGTERM/SIGINT within SHUTDOWN_TIMEOUT_MS.
 */
const FORCE_EXIT_AFTER_MS = 2000;

async function main(): Promise<void> {
  // Node 20 is supported until the SDK's January 2027 releases (README); say so once there, not on every start.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  if (process.argv.includes('--reset')) config = { ...config, resetData: true };

  // The app's web version, built before the stack starts so that a Ctrl-C during the build leaves nothing behind.
  let appOrigins: string[] = [];
  if (config.stack === 'local') {
    const web = await import('./local/web-build.js');
    if (config.env === 'development' && config.webAppDir === undefined) {
      const built = await web.ensureWebBuild({ mobileDir: path.resolve('mobile'), log: (line) => console.log(line) });
      if (built.status !== 'unavailable') config = { ...config, webAppDir: built.dir };
    }
    // The app served here uploads from its origin straight to the local bucket.
    if (config.webAppDir !== undefined) appOrigins = web.localAppOrigins(config.host, config.port);
  }

  let stopStack: (() => Promise<void>) | undefined;
  let stackSummary: string | undefined;
  if (config.stack === 'local') {
    const started = Date.now();
    const { startLocalStack } = await import('./local/stack.js');
    const stack = await startLocalStack({
      dataDir: config.dataDir,
      reset: config.resetData,
      region: config.region,
      visibilitySeconds: config.workers.visibilitySeconds,
      corsOrigins: [...config.http.corsOrigins, ...appOrigins],
    });
    stopStack = stack.stop;
    config = withLocalStack(config, stack);
    stackSummary = [
      `Local AWS stack ready in ${Date.now() - started} ms (data in ${config.dataDir}):`,
      ...Object.entries(stack.endpoints).map(([name, url]) => `  ${name.padEnd(12)} ${url}`),
    ].join('\n');
  }

  const app = await buildApp(config);
  let closingSince: number | undefined;
  const shutdown = async (signal: string) => {
    if (closingSince !== undefined) {
      // Ctrl-C reaches us twice at once (from the terminal and relayed by npm/tsx): only a
      // later, deliberate second signal cuts the graceful shutdown short.
      if (Date.now() - closingSince < FORCE_EXIT_AFTER_MS) return;
      app.log.warn({ signal }, 'second signal: exiting now');
      await Promise.resolve(stopStack?.()).catch(() => undefined);
      process.exit(1);
    }
    closingSince = Date.now();
    app.log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      app.log.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown timed out; exiting');
      void Promise.resolve(stopStack?.()).finally(() => process.exit(1));
    }, config.shutdownTimeoutMs);
    timer.unref();
    try {
      // The job workers stop taking jobs now and wind down beside the HTTP drain: their stop budget (the shutdown
      // budget less the abort grace) counts from the signal, not from the end of the drain, which overran the
      // budget (exit 1) when requests were slow to finish. app.close() awaits the same stop.
      const workersStopped = app.jobs.pool.stop();
      await app.close();
      await workersStopped;
      await stopStack?.();
      clearTimeout(timer);
      app.log.info('stopped');
      process.exit(0);
    } catch (error) {
      app.log.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  try {
    const openFiles = openFileLimit();
    if (openFiles !== undefined && openFiles < MIN_OPEN_FILES) {
      app.log.warn({ openFiles, recommended: MIN_OPEN_FILES }, 'the open-file limit caps open connections: raise it (ulimit -n, README "Overload")');
    }
    // A deep accept queue: a burst of new connections waits in the kernel instead of being dropped.
    const address = await app.listen({ port: config.port, host: config.host, backlog: config.http.listenBacklog });
    if (stackSummary) {
      const appLine = config.webAppDir === undefined ? '' : `AuroraVault app on ${address} (open it in a browser)\n`;
      console.log(`${stackSummary}\n\n${appLine}AuroraVault API on ${address}  (docs ${address}/docs, mail ${address}/_dev/mail)\nCtrl-C stops everything.`);
    }
  } catch (error) {
    app.log.error({ err: error }, 'could not start');
    await app.close().catch(() => undefined);
    await stopStack?.();
    process.exit(1);
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
