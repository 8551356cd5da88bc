import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AppConfig, AwsEndpoints } from '../config.js';

/**
 * The settings every AWS client shares. Only the per-service modules in this folder call it:
 * each of them is the one place its client is built.
 */
export function clientOptions(config: AppConfig, service: keyof AwsEndpoints, requestTimeoutMs = config.aws.requestTimeoutMs) {
  const { aws, region } = config;
  return {
    region,
    endpoint: aws.endpoints[service],
    credentials: aws.credentials,
    maxAttempts: aws.maxAttempts,
    // Explicit timeouts: the SDK's defaults wait forever on a silent peer.
    requestHandler: new NodeHttpHandler({
      connectionTimeout: aws.connectTimeoutMs,
      requestTimeout: requestTimeoutMs,
    }),
  };
}

export interface HealthCheck {
  name: 'dynamodb' | 's3' | 'sqs' | 'ses' | 'eventbridge' | 'cognito';
  /** Resolves when the dependency answers; rejects with its error otherwise. */
  check(signal: AbortSignal): Promise<void>;
}
