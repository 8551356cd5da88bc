/**
 * Writes the service's OpenAPI document, as GET /openapi.json serves it on the local stack, to
 * mobile/openapi.json: the app generates its API types from that file, and a test
 * (test/routes/openapi.test.ts) fails when the file is stale.
 *
 *   npm run openapi
 *
 * The app is built but neither listens nor needs the local stack: the document depends only on
 * the route schemas, and nothing calls the (unreachable) endpoints below.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildApp } from '../src/app.js';
import { loadConfig, withLocalStack } from '../src/config.js';
import { formatDocument } from '../src/schemas/openapi.js';

// The SDK's Node 20 notice is noise here (the README documents Node 20 support).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const OUTPUT = path.join(__dirname, '../mobile/openapi.json');
const unreachable = 'http://127.0.0.1:9';

async function main(): Promise<void> {
  const config = loadConfig({ STACK: 'local', NODE_ENV: 'test', LOG_LEVEL: 'silent', WORKER_CONCURRENCY: '0', SWEEP_INTERVAL_SECONDS: '0' });
  const app = await buildApp(
    withLocalStack(config, {
      region: 'us-east-1',
      endpoints: { s3: unreachable, dynamodb: unreachable, sqs: unreachable, ses: unreachable, eventbridge: unreachable, cognito: unreachable },
      resources: {
        bucket: 'openapi',
        table: 'openapi',
        queueUrl: `${unreachable}/queue/openapi`,
        dlqUrl: `${unreachable}/queue/openapi-dlq`,
        emailFrom: 'openapi@example.com',
        userPoolId: 'us-east-1_openapi',
        userPoolClientId: 'openapi',
        eventBusName: 'openapi',
      },
      credentials: { accessKeyId: 'openapi', secretAccessKey: 'openapi' },
      cursorSecret: 'openapi-not-a-secret-only-builds-the-document',
    }),
    { logger: false },
  );
  try {
    const response = await app.inject({ method: 'GET', url: '/openapi.json' });
    if (response.statusCode !== 200) throw new Error(`GET /openapi.json answered ${response.statusCode}: ${response.body}`);
    await writeFile(OUTPUT, formatDocument(response.json()));
    console.log(`wrote ${path.relative(process.cwd(), OUTPUT)}`);
  } finally {
    await app.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
