import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AppConfig, AwsEndpoints } from '../config.js';
import { ConcurrencyLimit, LimitedHttpHandler } from './limits.js';

/**
 * The settings every AWS client shares. Only the per-service modules in this folder call it:
 * each of them is the one place its client is built.
 */
export function clientOptions(config: AppConfig, service: keyof AwsEndpoints, requestTimeoutMs = config.aws.requestTimeoutMs) {
  const { aws, region } = config;
  // Each worker's SQS long poll holds a slot for up to WORKER_WAIT_SECONDS: they come on top.
  const maxConcurrent = aws.maxConcurrency + (service === 'sqs' ? config.workers.concurrency : 0);
  const limit = new ConcurrencyLimit({
    name: service,
    maxConcurrent,
    maxQueued: aws.maxQueued,
    maxWaitMs: aws.queueWaitMs,
    retryAfterSeconds: config.overload.retryAfterSeconds,
  });
  return {
    region,
    endpoint: aws.endpoints[service],
    credentials: aws.credentials,
    maxAttempts: aws.maxAttempts,
    // Every call passes a bounded wait for a slot (src/aws/limits.ts); the agent has as many sockets
    // as there are slots, so no call ever waits inside it, where no deadline applies.
    // Explicit timeouts: the SDK's defaults wait forever on a silent peer.
    requestHandler: new LimitedHttpHandler(
      new NodeHttpHandler({
        connectionTimeout: aws.connectTimeoutMs,
        requestTimeout: requestTimeoutMs,
        httpAgent: { maxSockets: maxConcurrent },
        httpsAgent: { maxSockets: maxConcurrent },
      }),
      limit,
    ),
  };
}

export interface HealthCheck {
  name: 'dynamodb' | 's3' | 'sqs' | 'ses' | 'eventbridge' | 'cognito';
  /** Resolves when the dependency answers; rejects with its error otherwise. */
  check(signal: AbortSignal): Promise<void>;
}
