import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { AppConfig } from '../config.js';
import { clientOptions, type HealthCheck } from './client-options.js';

export function createSqsClient(config: AppConfig): SQSClient {
  // Long polls hold a request open for up to WORKER_WAIT_SECONDS: the timeout must outlast them.
  const requestTimeout = Math.max(config.aws.requestTimeoutMs, (config.workers.waitSeconds + 5) * 1000);
  return new SQSClient(clientOptions(config, 'sqs', requestTimeout));
}

export function sqsHealthCheck(client: SQSClient, queueUrl: string): HealthCheck {
  return {
    name: 'sqs',
    async check(abortSignal) {
      await client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }), {
        abortSignal,
      });
    },
  };
}
