import http from 'node:http';
import { startLocalStack } from './stack.js';

/**
 * Runs the local stack alone (the test suite starts it once per run this way):
 *   tsx src/local/cli.ts --data-dir DIR [--reset]
 * Prints one JSON line with endpoints, resources and a control URL, then serves
 * POST <control>/services/<name>/stop|start so tests can take a dependency down.
 * Stops on SIGTERM/SIGINT or when stdin closes (its parent died).
 */
async function main(): Promise<void> {
  const arg = (name: string) => {
    const index = process.argv.indexOf(name);
    return index >= 0 ? process.argv[index + 1] : undefined;
  };
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const stack = await startLocalStack({ dataDir: arg('--data-dir') ?? '.data', reset: process.argv.includes('--reset') });

  const control = http.createServer((req, res) => {
    const match = /^\/services\/(\w+)\/(stop|start)$/.exec(req.url ?? '');
    const service = match ? stack.services[match[1] as keyof typeof stack.services] : undefined;
    if (req.method !== 'POST' || !match || !service) {
      res.writeHead(404).end();
      return;
    }
    (match[2] === 'stop' ? service.stop() : service.start()).then(
      () => res.writeHead(204).end(),
      (error: Error) => res.writeHead(500).end(error.message),
    );
  });
  await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
  const address = control.address();
  const controlUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  const { region, endpoints, resources, credentials, startupMs } = stack;
  process.stdout.write(`${JSON.stringify({ region, endpoints, resources, credentials, controlUrl, startupMs })}\n`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    control.close();
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
