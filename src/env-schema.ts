import { z } from 'zod';
import { DEFAULT_DECODE_MAX_PIXELS, DEFAULT_TASK_MEMORY_MB } from './photos/processing/memory-budget.js';

/**
 * Every environment variable the service reads, with its type, bounds and default: the one list an operator
 * reads. src/config.ts turns the parsed values into the app's configuration (linked SST resources, production
 * defaults, cross-variable checks).
 */

const bool = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no'])
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

const positiveInt = z.coerce.number().int().positive();

const optionalUrl = z.url({ protocol: /^https?$/ }).optional();

/** A share link key's id (the token's `kid` header). */
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/** The Expo dev server (web build), the only cross-origin client in development; the API's own pages are same-origin. */
export const DEV_CORS_ORIGINS: readonly string[] = ['http://localhost:8081', 'http://127.0.0.1:8081'];

/**
 * Per-user budgets in production (docs/security.md, "Rate limits"): a phone uploading 1,000 photos sends
 * 20 batches and 20 completes, and its processing watch asks complete again in batches of 50 at 2, 4, 8
 * and 15 s; fast timeline scrolling is a few pages a second. Both sit far below these.
 */
export const DEFAULT_USER_PER_MINUTE = 1200;
export const DEFAULT_UPLOAD_BATCHES_PER_MINUTE = 300;
/**
 * Per client IP in production: a view link's page and its next pages are a few requests a minute; a guest sends
 * a request per batch of up to 20 files.
 */
export const DEFAULT_SHARED_IP_PER_MINUTE = 120;
export const DEFAULT_GUEST_UPLOADS_IP_PER_MINUTE = 10;

/** `*`, or an http(s) origin exactly as a browser sends it in the Origin header. */
function isOriginOrWildcard(value: string): boolean {
  if (value === '*') return true;
  try {
    const url = new URL(value);
    // A browser matches origins exactly: no path, no wildcard subdomain, lower case as it sends them.
    const host = /^[a-z0-9-]+(\.[a-z0-9-]+)*$|^\[[0-9a-f:.]+\]$/.test(url.hostname);
    return (url.protocol === 'http:' || url.protocol === 'https:') && host && url.origin === value;
  } catch {
    return false;
  }
}

export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  STACK: z.enum(['local', 'aws']).default('local'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_PRETTY: bool.optional(),
  AWS_REGION: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as us-east-1').default('us-east-1'),

  // Local stack
  DATA_DIR: z.string().min(1).default('.data'),
  RESET_DATA: bool.default(false),

  // Resources (filled by SST links or the local stack when absent)
  S3_BUCKET: z.string().min(3).optional(),
  DYNAMODB_TABLE: z.string().min(3).optional(),
  SQS_QUEUE_URL: optionalUrl,
  SQS_DLQ_URL: optionalUrl,
  SES_FROM_ADDRESS: z.email().optional(),
  COGNITO_USER_POOL_ID: z.string().regex(/^[\w-]+_[0-9a-zA-Z]+$/, 'must look like us-east-1_AbCdEf123').optional(),
  COGNITO_CLIENT_ID: z.string().min(1).optional(),
  EVENT_BUS_NAME: z.string().min(1).optional(),

  // Endpoint overrides (the same names the AWS SDK itself understands)
  AWS_ENDPOINT_URL_S3: optionalUrl,
  AWS_ENDPOINT_URL_DYNAMODB: optionalUrl,
  AWS_ENDPOINT_URL_SQS: optionalUrl,
  AWS_ENDPOINT_URL_SES: optionalUrl,
  AWS_ENDPOINT_URL_EVENTBRIDGE: optionalUrl,
  AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: optionalUrl,

  // AWS client behaviour (docs/reliability.md, "Dependency outages"): one call takes at most about
  // AWS_MAX_ATTEMPTS x AWS_REQUEST_TIMEOUT_MS (+ the SDK's retry delay), so on AWS a request that finds a
  // dependency silent is answered 503 within ~6 s, well within a phone's patience. SQS long polls have their own timeout.
  /** Unset: 1000 on AWS; 2000 on the local stack. */
  AWS_CONNECT_TIMEOUT_MS: positiveInt.max(60_000).optional(),
  /**
   * Until the answer's headers arrive, per attempt (a timeout throws and counts as a failed attempt). Unset: 3000
   * on AWS (DynamoDB and S3 answer in milliseconds); 10000 on the local stack, whose emulators share a loaded
   * CI machine with the tests (a 50-photo complete there took over 3 s per call at a load of 20).
   */
  AWS_REQUEST_TIMEOUT_MS: positiveInt.max(60_000).optional(),
  AWS_MAX_ATTEMPTS: positiveInt.max(10).default(2),
  // Overload (docs/architecture.md, "Overload"): per-client call bounds, then the per-process request bound.
  /** Calls on the wire per AWS client; also the agent's maxSockets (the SDK's own default is 50). */
  AWS_MAX_CONCURRENCY: positiveInt.max(1024).default(50),
  /** Calls waiting for a slot per client; unset: 4 x AWS_MAX_CONCURRENCY (an upload batch of 50 fans out 50 at once). */
  AWS_MAX_QUEUED: z.coerce.number().int().min(0).max(100_000).optional(),
  /**
   * How long a call waits for a slot before it is refused (its request shed with 503). It adds to the call's
   * own budget (attempts x request timeout), so on AWS it stays short: a request meets a silent dependency
   * with an answer within about 2 + 6 s. Unset: 2000 on AWS; 5000 on the local stack, where DynamoDB Local on
   * a loaded CI machine made 1 s waits refuse calls of a 50-photo batch (jobs share the line, and a refused
   * enqueue after complete's status change leaves the work to the reconciliation sweep). Requests are shed at
   * once by OVERLOAD_MAX_IN_FLIGHT before they queue here.
   */
  AWS_QUEUE_WAIT_MS: positiveInt.max(10_000).optional(),
  /** Requests in progress per process (health routes not counted); past it a request is answered 503 at once. Unset: 2 x AWS_MAX_CONCURRENCY. */
  OVERLOAD_MAX_IN_FLIGHT: positiveInt.max(100_000).optional(),
  /** Retry-After of every overload 503. */
  OVERLOAD_RETRY_AFTER_SECONDS: positiveInt.max(300).default(2),

  // HTTP
  BODY_LIMIT_BYTES: positiveInt.default(1024 * 1024),
  SHUTDOWN_TIMEOUT_MS: positiveInt.default(10000),
  /** Pending connections the kernel queues before accept (capped by net.core.somaxconn; Node's default is 511). */
  HTTP_LISTEN_BACKLOG: positiveInt.max(65535).default(4096),
  /** Idle keep-alive sockets close after this; above the ALB's 60 s idle timeout so the ALB closes first. */
  HTTP_KEEP_ALIVE_TIMEOUT_MS: positiveInt.default(72_000),
  /** A number trusts that many proxies (CloudFront + ALB = 2; `1` is one hop, not `true`); `true` trusts every hop (spoofable). */
  TRUST_PROXY: z.union([z.coerce.number().int().min(1).max(10), bool]).default(false),
  /** Browser origins (exact, comma-separated) the API answers CORS for; `*` is refused in production. */
  CORS_ORIGINS: z
    .string()
    .transform((v) => v.split(',').map((o) => o.trim()).filter((o) => o.length > 0))
    .superRefine((origins, ctx) => {
      for (const origin of origins.filter((o) => !isOriginOrWildcard(o))) {
        ctx.addIssue({ code: 'custom', message: `must be origins such as https://app.example.com (scheme://host[:port], no path), comma-separated; "${origin}" is not` });
      }
    })
    .optional(),
  /** The app's web build to serve at `/`; unset: `npm start` (local, development) builds mobile/ into mobile/dist. */
  WEB_APP_DIR: z.string().min(1).optional(),
  /** Where people open this service (https://photos.example): share link URLs start with it. Unset: the request's own origin. */
  PUBLIC_BASE_URL: z
    .url({ protocol: /^https?$/ })
    .transform((v) => v.replace(/\/+$/, ''))
    .optional(),

  // Photos
  QUOTA_BYTES_DEFAULT: positiveInt.default(10 * 1024 ** 3),
  UPLOAD_MAX_BYTES: positiveInt.default(200 * 1024 ** 2),
  UPLOAD_MAX_BYTES_RAW: positiveInt.max(5 * 1024 ** 3).default(5 * 1024 ** 3),
  UPLOAD_URL_TTL_SECONDS: positiveInt.min(60).max(3600).default(900),
  MULTIPART_THRESHOLD_BYTES: positiveInt.min(5 * 1024 ** 2).default(32 * 1024 ** 2),
  MULTIPART_PART_BYTES: positiveInt.min(5 * 1024 ** 2).default(16 * 1024 ** 2),
  /** Seconds between runs of the trash purge and the abandoned-upload sweep; 0 turns them off. */
  SWEEP_INTERVAL_SECONDS: z.coerce.number().int().min(0).max(86400).default(60),
  /** How photo GET URLs are signed: presigned S3 GETs, or CloudFront signed URLs (CLOUDFRONT_* below). */
  PHOTO_URLS: z.enum(['s3', 'cloudfront']).default('s3'),
  /** The photo distribution's host (a `https://host` URL is accepted and reduced to its host). */
  CLOUDFRONT_DOMAIN: z
    .string()
    .transform((v) => v.replace(/^https:\/\//, '').replace(/\/+$/, ''))
    .pipe(z.string().regex(/^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/, 'must be a host name such as d111111abcdef8.cloudfront.net'))
    .optional(),
  /** Id of the CloudFront public key (trusted key group) that matches CLOUDFRONT_PRIVATE_KEY. */
  CLOUDFRONT_KEY_PAIR_ID: z.string().regex(/^[A-Z0-9]{8,64}$/, 'must be a CloudFront public key id such as K2JCJMDEHXQW5F').optional(),
  /** RSA private key, PEM; `\n`-escaped newlines are accepted (one-line env files, secrets). */
  CLOUDFRONT_PRIVATE_KEY: z.string().min(1).optional(),

  // Secrets
  /** HMAC key of the listing cursors; the local stack generates one per data folder. */
  CURSOR_SECRET: z.string().min(32).optional(),
  /**
   * Keys of the share link tokens (src/sharing/link-tokens.ts), JSON `{"<kid>": "<secret of at least 32 characters>"}`.
   * Rotation: add a key and make it SHARE_LINK_KEY_ID; tokens signed with the old one work until it is removed.
   * Unset: one key (kid `c0`) derived from CURSOR_SECRET.
   */
  SHARE_LINK_KEYS: z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        // The message never repeats the value: it is a secret.
        ctx.addIssue({ code: 'custom', message: 'must be JSON: {"<kid>": "<secret>"}' });
        return z.NEVER;
      }
    })
    .pipe(z.record(z.string().regex(KEY_ID, 'key ids are 1-32 letters, digits, - or _'), z.string().min(32, 'each secret needs at least 32 characters')).refine((keys) => Object.keys(keys).length > 0, 'names no key'))
    .optional(),
  /** The key that signs new share links; unset: the only key of SHARE_LINK_KEYS (required when it has several). */
  SHARE_LINK_KEY_ID: z.string().regex(KEY_ID).optional(),

  // Share links (docs/sharing.md)
  /** Largest file a guest may add through a collect link. */
  COLLECT_MAX_FILE_BYTES: positiveInt.default(100 * 1024 ** 2),
  /** Files per guest upload request (at most 20). */
  COLLECT_MAX_FILES: positiveInt.max(20).default(20),
  /**
   * How long a "day" of a link's expiresInDays lasts, in seconds. Tests only: a link that expires within
   * seconds; anything else keeps 86,400.
   */
  SHARE_LINK_DAY_SECONDS: positiveInt.max(86_400).default(86_400),

  // Consumer pool
  WORKER_CONCURRENCY: z.coerce.number().int().min(0).max(64).default(4),
  WORKER_WAIT_SECONDS: z.coerce.number().int().min(0).max(20).default(20),
  WORKER_VISIBILITY_SECONDS: positiveInt.max(43200).default(60),

  // Photo decoding (src/photos/processing/memory-budget.ts): what is left of the task's memory once the server
  // and one idle decoder process per worker are counted is shared by the decodes running at once.
  /** Memory of the task (container) the server and its decoder processes share. */
  TASK_MEMORY_MB: positiveInt.min(512).default(DEFAULT_TASK_MEMORY_MB),
  /** No photo with more pixels is decoded, whatever its type (tighter per-type limits follow from the memory). */
  DECODE_MAX_PIXELS: positiveInt.max(268_402_689).default(DEFAULT_DECODE_MAX_PIXELS),

  // Rate limits (docs/security.md)
  RATE_LIMIT_AUTH_IP_PER_MINUTE: positiveInt.default(30),
  RATE_LIMIT_AUTH_EMAIL_PER_15_MINUTES: positiveInt.default(10),
  /** Authenticated requests per user and minute, per instance (in memory). Unset: 1,200 in production, none elsewhere (tests poll). */
  RATE_LIMIT_USER_PER_MINUTE: positiveInt.optional(),
  /** Upload batches (POST /v1/uploads and /complete) per user and minute, shared by every instance (DynamoDB). Unset: 300 in production, none elsewhere. */
  RATE_LIMIT_UPLOAD_BATCHES_PER_MINUTE: positiveInt.optional(),
  /** Requests to the public share link routes per client IP and minute, per instance. Unset: 120 in production, none elsewhere. */
  RATE_LIMIT_SHARED_IP_PER_MINUTE: positiveInt.optional(),
  /** Guest upload requests (collect links) per client IP and minute, per instance. Unset: 10 in production, none elsewhere. */
  RATE_LIMIT_GUEST_UPLOADS_IP_PER_MINUTE: positiveInt.optional(),

  // Revocation feed (docs/security.md, "Revocation without I/O per request")
  REVOCATION_POLL_MS: positiveInt.min(100).max(10_000).default(1000),
});

export type Env = z.infer<typeof envSchema>;
