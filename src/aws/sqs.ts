import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { AppConfig } from '../config.js';
import { clientOptions, type HealthCheck } from './client-options.js';

export function createSqsClient(config: AppConfig): SQSClient {
  // Every call gets the short request timeout (an enqueue of complete must fail fast when SQS is silent);
  // a long poll passes its own (longPollTimeoutMs) per call.
  return new SQSClient(clientOptions(config, 'sqs'));
}

/** The request timeout of a ReceiveMessage that waits up to `waitSeconds` on the server: the wait plus a margin. */
export function longPollTimeoutMs(waitSeconds: number): number {
  return (waitSeconds + 5) * 1000;
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
