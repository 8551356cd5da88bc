import { SQSClient } from '@aws-sdk/client-sqs';
import { freePort } from '../../src/local/ports.js';
import { provisionQueues } from '../../src/local/provision.js';
import { LOCAL_CREDENTIALS } from '../../src/local/service.js';
import { localSqs } from '../../src/local/sqs.js';

/**
 * The local SQS alone, as the stack runs it (without DynamoDB Local's slow JVM), for crash tests:
 *   node --import tsx test/local/sqs-server.ts <dataDir> [visibilitySeconds]
 * Prints one JSON line (endpoint, queue URLs) once ready; runs until killed or stdin closes.
 */
async function main(): Promise<void> {
  const [dataDir, visibility = '30'] = process.argv.slice(2);
  if (!dataDir) throw new Error('usage: sqs-server.ts <dataDir> [visibilitySeconds]');
  const port = await freePort();
  const client = new SQSClient({ region: 'us-east-1', endpoint: `http://127.0.0.1:${port}`, credentials: { ...LOCAL_CREDENTIALS } });
  let queues: { queueUrl: string; dlqUrl: string } | undefined;
  const sqs = localSqs({
    port,
    directory: `${dataDir}/sqs`,
    provision: async () => {
      queues = await provisionQueues(client, { queue: 'auroravault-jobs', dlq: 'auroravault-jobs-dlq' }, Number(visibility));
    },
  });
  await sqs.start();
  process.stdout.write(`${JSON.stringify({ endpoint: sqs.endpoint, ...queues })}\n`);
  process.stdin.on('end', () => void sqs.stop().then(() => process.exit(0)));
  process.stdin.resume();
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
