import { startLocalStack } from './stack.js';

/**
 * Runs the local stack alone (the test suite starts it once per run this way):
 *   tsx src/local/cli.ts --data-dir DIR [--reset]
 * Prints one JSON line with endpoints and resources. Stops on SIGTERM/SIGINT or when stdin closes (its parent died).
 */
async function main(): Promise<void> {
  const arg = (name: string) => {
    const index = process.argv.indexOf(name);
    return index >= 0 ? process.argv[index + 1] : undefined;
  };
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const stack = await startLocalStack({ dataDir: arg('--data-dir') ?? '.data', reset: process.argv.includes('--reset') });

  const { region, endpoints, resources, credentials, cursorSecret, startupMs } = stack;
  process.stdout.write(`${JSON.stringify({ region, endpoints, resources, credentials, cursorSecret, startupMs })}\n`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await stack.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  process.stdin.on('end', () => void stop());
  process.stdin.resume();
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
