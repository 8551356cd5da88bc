import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AppConfig, AwsEndpoints } from '../config.js';
import { ConcurrencyLimit, LimitedHttpHandler } from './limits.js';

/**
 * A socket that goes quiet in the middle of an answer's body (a dependency frozen mid-stream) is given up after
 * this. Not the request timeout: a body may rightly pause while we apply backpressure (a photo being decoded as
 * it streams in), and an SQS long poll is silent for up to 20 s before its answer.
 */
export const SOCKET_IDLE_TIMEOUT_MS = 30_000;

/**
 * The settings every AWS client shares. Only the per-service modules in this folder call it:
 * each of them is the one place its client is built.
 *
 * Time budget of one call (docs/reliability.md, "Dependency outages"): each attempt must have its answer's
 * headers within AWS_REQUEST_TIMEOUT_MS (connecting included, AWS_CONNECT_TIMEOUT_MS at most), and the SDK
 * makes AWS_MAX_ATTEMPTS attempts, so a silent dependency fails a call within about their product. The
 * SDK's standard retry strategy also stops retrying timeouts once its retry quota is spent (50 timeouts),
 * so during an outage most calls fail after their first attempt.
 */
export function clientOptions(config: AppConfig, service: keyof AwsEndpoints) {
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
    requestHandler: new LimitedHttpHandler(
      new NodeHttpHandler({
        connectionTimeout: aws.connectTimeoutMs,
        requestTimeout: aws.requestTimeoutMs,
        // Without it the SDK only logs a warning when requestTimeout passes and the call waits on forever:
        // a frozen DynamoDB held every authenticated request with no answer at all.
        throwOnRequestTimeout: true,
        socketTimeout: Math.max(SOCKET_IDLE_TIMEOUT_MS, aws.requestTimeoutMs),
        httpAgent: { maxSockets: maxConcurrent },
        httpsAgent: { maxSockets: maxConcurrent },
      }),
      limit,
    ),
  };
}

const NETWORK_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/**
 * The same codes in a message: the SDK copies a Node error it does not recognise as an Error (one from
 * another realm, as under jest) into a new one that keeps only the text ("connect ECONNREFUSED 10.0.0.1:443").
 */
const NETWORK_CODE_IN_MESSAGE = new RegExp(`\\b(${[...NETWORK_ERROR_CODES].join('|')})\\b`);
const TIMEOUT_ERROR_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
/** AWS error names that mean "slow down" (the SDK's own list of throttling errors, the ones our services send). */
const THROTTLING_ERROR_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'SlowDown',
  'TransactionInProgressException',
]);

interface AwsLikeError {
  name?: string;
  code?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
  cause?: unknown;
}

/**
 * Whether an error says a dependency is out of reach or refusing work for now (no answer in time, the
 * connection refused or cut, an AWS 5xx, throttling), as opposed to a bug or a request it rejected: the
 * request that met it is answered 503 with Retry-After, and trying again later may well succeed.
 */
export function isDependencyOutage(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 3) return false;
  const e = error as AwsLikeError;
  if (e.name && TIMEOUT_ERROR_NAMES.has(e.name)) return true;
  if (e.code && NETWORK_ERROR_CODES.has(e.code)) return true;
  if (e.$metadata !== undefined) {
    const status = e.$metadata.httpStatusCode ?? 0;
    if (e.$fault === 'server' || status >= 500 || status === 429) return true;
    if (typeof e.message === 'string' && NETWORK_CODE_IN_MESSAGE.test(e.message)) return true;
    if ((e.name && THROTTLING_ERROR_NAMES.has(e.name)) || e.$retryable?.throttling === true) return true;
  }
  return isDependencyOutage(e.cause, depth + 1);
}

export interface HealthCheck {
  name: 'dynamodb' | 's3' | 'sqs' | 'ses' | 'eventbridge' | 'cognito';
  /** Resolves when the dependency answers; rejects with its error otherwise. */
  check(signal: AbortSignal): Promise<void>;
}
