import { startLocalStack } from '../../src/local/stack.js';

/**
 * The e2e test's own local stack, in a child process (cognito-local cannot be loaded by jest):
 *   node --import tsx test/e2e/stack-process.ts DATA_DIR APP_ORIGIN
 * Like src/local/cli.ts, plus the bucket CORS for the page's origin. Prints one JSON line when
 * ready; stops on SIGTERM or when stdin closes (the test process died).
 */
async function main(): Promise<void> {
  const [dataDir, appOrigin] = process.argv.slice(2);
  if (!dataDir || !appOrigin) throw new Error('usage: stack-process.ts DATA_DIR APP_ORIGIN');
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const stack = await startLocalStack({ dataDir, corsOrigins: [appOrigin] });
  const { region, endpoints, resources, credentials, cursorSecret } = stack;
  process.stdout.write(`${JSON.stringify({ region, endpoints, resources, credentials, cursorSecret })}\n`);
  const stop = () => void stack.stop().finally(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.stdin.on('end', stop);
  process.stdin.resume();
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
