import { createHmac, createPrivateKey, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { DEFAULT_DECODE_MAX_PIXELS, DEFAULT_TASK_MEMORY_MB, processingBudget, type ProcessingBudget } from './photos/processing/memory-budget.js';

/**
 * Configuration comes from environment variables only, parsed once at start-up.
 * In production (STACK=aws) resource names come from SST's linked resources
 * (SST_RESOURCE_<Name> JSON variables) or from the plain variables below; in local
 * mode (the default) the embedded local stack fills them in after it has started.
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

export interface AwsEndpoints {
  s3?: string;
  dynamodb?: string;
  sqs?: string;
  ses?: string;
  eventbridge?: string;
  cognito?: string;
}

export interface Resources {
  bucket: string;
  table: string;
  queueUrl: string;
  dlqUrl: string;
  emailFrom: string;
  userPoolId: string;
  userPoolClientId: string;
  eventBusName: string;
}

export interface AppConfig {
  env: Env['NODE_ENV'];
  stack: Env['STACK'];
  port: number;
  host: string;
  logLevel: Env['LOG_LEVEL'];
  logPretty: boolean;
  region: string;
  dataDir: string;
  resetData: boolean;
  aws: {
    endpoints: AwsEndpoints;
    /** Static credentials: only the local stack uses them; on AWS the SDK's default chain (task role) applies. */
    credentials?: { accessKeyId: string; secretAccessKey: string };
    connectTimeoutMs: number;
    requestTimeoutMs: number;
    maxAttempts: number;
    /** Per client: calls on the wire, calls waiting for a slot, and how long one waits (src/aws/limits.ts). */
    maxConcurrency: number;
    maxQueued: number;
    queueWaitMs: number;
  };
  /** Shedding past capacity (src/plugins/app/overload.ts). */
  overload: { maxInFlight: number; retryAfterSeconds: number };
  /** Present once every resource name is known (always in aws mode, after start-up in local mode). */
  resources: Partial<Resources>;
  http: {
    bodyLimit: number;
    trustProxy: boolean | number;
    /** Origins answered with CORS headers (exact match; `*` only outside production); empty = none. */
    corsOrigins: string[];
    listenBacklog: number;
    keepAliveTimeoutMs: number;
  };
  /** Folder of the app's web build served at `/` (src/plugins/web-app.ts); unset = no app. */
  webAppDir?: string;
  shutdownTimeoutMs: number;
  workers: { concurrency: number; waitSeconds: number; visibilitySeconds: number };
  /** Decoder processes, their shared memory budget and the pixel cap (src/photos/processing/memory-budget.ts). */
  processing: ProcessingBudget;
  photos: {
    defaultQuotaBytes: number;
    /** Largest upload for camera formats (JPEG, PNG, HEIC/HEIF, WebP, AVIF, GIF) and for raw (DNG). */
    maxBytes: number;
    maxBytesRaw: number;
    uploadUrlTtlSeconds: number;
    multipartThresholdBytes: number;
    multipartPartBytes: number;
    /** Seconds between sweeper runs (trash purge, abandoned uploads); 0 = off. */
    sweepIntervalSeconds: number;
  };
  /** HMAC keys. `cursor` is '' until known (local mode: filled by withLocalStack). */
  secrets: { cursor: string };
  /** Auth route limits (docs/security.md): per client IP (per instance) and per email address (shared, in DynamoDB). */
  rateLimits: {
    authPerIpPerMinute: number;
    authPerEmailPer15Minutes: number;
    /** Per signed-in user (src/plugins/app/rate-limits.ts); undefined = not limited. */
    userPerMinute?: number;
    uploadBatchesPerMinute?: number;
    /** Public share link routes per client IP, and guest upload requests per client IP (per instance); undefined = not limited. */
    sharedPerIpPerMinute?: number;
    guestUploadsPerIpPerMinute?: number;
  };
  /** Share links and guest uploads (docs/sharing.md). */
  shareLinks: ShareLinksConfig;
  /** Each instance polls the revocation feed this often; its view counts as stale after three intervals. */
  revocations: { pollIntervalMs: number };
  /** Mounts /_dev routes: only true on the embedded local stack. */
  devRoutes: boolean;
  /** Photo GET URLs: presigned S3 (local default) or CloudFront signed URLs (src/photos/cloudfront-url-signer.ts). */
  photoUrls: PhotoUrlsConfig;
}

export interface ShareLinksConfig {
  /** kid -> HMAC secret; empty until known in local mode (then derived from the cursor secret: shareLinkKeyring). */
  keys: Record<string, string>;
  /** The kid that signs new tokens; undefined with no keys configured. */
  signingKeyId?: string;
  /** Milliseconds in one of a link's expiresInDays (SHARE_LINK_DAY_SECONDS). */
  dayMs: number;
  maxFileBytes: number;
  maxFilesPerRequest: number;
  /** Origin of the share pages' URLs (no trailing slash); undefined: the request's origin. */
  publicBaseUrl?: string;
}

export type PhotoUrlsConfig =
  | { mode: 's3' }
  | {
      mode: 'cloudfront';
      /** Distribution host, no scheme. */
      domain: string;
      keyPairId: string;
      /** Parsed once here; a KeyObject prints nothing of the key if the config is ever logged. */
      privateKey: KeyObject;
    };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** SST exposes each linked resource as SST_RESOURCE_<Name>='{"name":...}'. */
function sstResource(env: NodeJS.ProcessEnv, name: string): Record<string, unknown> | undefined {
  const raw = env[`SST_RESOURCE_${name}`];
  if (!raw) return undefined;
  try {
    const parsed: unknown = JSON.parse(raw);
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** Resource names linked by sst.config.ts; the plain variables win when both are set. */
function linkedResources(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const linked: NodeJS.ProcessEnv = {
    S3_BUCKET: str(sstResource(env, 'Photos')?.name),
    DYNAMODB_TABLE: str(sstResource(env, 'Table')?.name),
    SQS_QUEUE_URL: str(sstResource(env, 'Jobs')?.url),
    SQS_DLQ_URL: str(sstResource(env, 'JobsDlq')?.url),
    SES_FROM_ADDRESS: str(sstResource(env, 'Email')?.sender),
    COGNITO_USER_POOL_ID: str(sstResource(env, 'UserPool')?.id),
    COGNITO_CLIENT_ID: str(sstResource(env, 'UserPoolClient')?.id),
    EVENT_BUS_NAME: str(sstResource(env, 'Bus')?.name),
    CURSOR_SECRET: str(sstResource(env, 'CursorSecret')?.value),
    SHARE_LINK_KEYS: str(sstResource(env, 'ShareLinkKeys')?.value),
    // Photo CDN (sst.config.ts): PhotoUrls = { domain, keyPairId } (an sst.Linkable), PhotoSigningKey = the PEM (an sst.Secret).
    CLOUDFRONT_DOMAIN: str(sstResource(env, 'PhotoUrls')?.domain),
    CLOUDFRONT_KEY_PAIR_ID: str(sstResource(env, 'PhotoUrls')?.keyPairId),
    CLOUDFRONT_PRIVATE_KEY: str(sstResource(env, 'PhotoSigningKey')?.value),
  };
  const merged: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(linked)) if (value !== undefined) merged[key] = value;
  return { ...merged, ...env };
}

const REQUIRED_IN_AWS = [
  'S3_BUCKET',
  'DYNAMODB_TABLE',
  'SQS_QUEUE_URL',
  'SQS_DLQ_URL',
  'SES_FROM_ADDRESS',
  'COGNITO_USER_POOL_ID',
  'COGNITO_CLIENT_ID',
  'EVENT_BUS_NAME',
  'CURSOR_SECRET',
] as const;

const REQUIRED_FOR_CLOUDFRONT_URLS = ['CLOUDFRONT_DOMAIN', 'CLOUDFRONT_KEY_PAIR_ID', 'CLOUDFRONT_PRIVATE_KEY'] as const;

/** PEM text with real newlines (`\n` escapes, as one-line env files and secrets store it, turned back). */
export function unescapePem(value: string): string {
  return value.includes('\\n') ? value.replace(/\\r\\n|\\n/g, '\n') : value;
}

/** The RSA private key of CloudFront URL signing, or a problem naming CLOUDFRONT_PRIVATE_KEY. */
function parseSigningKey(pem: string): KeyObject | string {
  let key: KeyObject;
  try {
    key = createPrivateKey(unescapePem(pem).trim());
  } catch {
    return 'CLOUDFRONT_PRIVATE_KEY: is not a PEM private key';
  }
  if (key.asymmetricKeyType !== 'rsa') return `CLOUDFRONT_PRIVATE_KEY: must be an RSA key (got ${key.asymmetricKeyType ?? 'unknown'})`;
  return key;
}

/** Parses the environment; throws a ConfigError naming every bad or missing variable. */
export function loadConfig(rawEnv: NodeJS.ProcessEnv = process.env): AppConfig {
  // Empty strings mean "unset", as a shell `FOO= npm start` intends.
  const cleaned: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(linkedResources(rawEnv))) if (value !== '') cleaned[key] = value;

  const parsed = envSchema.safeParse(cleaned);
  const problems: string[] = parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`);

  if (cleaned.STACK === 'aws') {
    for (const name of REQUIRED_IN_AWS) {
      if (cleaned[name] === undefined) problems.push(`${name}: required when STACK=aws`);
    }
  }
  let signingKey: KeyObject | undefined;
  if (parsed.success && parsed.data.PHOTO_URLS === 'cloudfront') {
    for (const name of REQUIRED_FOR_CLOUDFRONT_URLS) {
      if (cleaned[name] === undefined) problems.push(`${name}: required when PHOTO_URLS=cloudfront`);
    }
    if (parsed.data.CLOUDFRONT_PRIVATE_KEY !== undefined) {
      const key = parseSigningKey(parsed.data.CLOUDFRONT_PRIVATE_KEY);
      if (typeof key === 'string') problems.push(key);
      else signingKey = key;
    }
  }
  const budget = parsed.success
    ? processingBudget(parsed.data.TASK_MEMORY_MB * 1024 ** 2, parsed.data.WORKER_CONCURRENCY, parsed.data.DECODE_MAX_PIXELS)
    : undefined;
  if (parsed.success && !budget) {
    problems.push(`TASK_MEMORY_MB: ${parsed.data.TASK_MEMORY_MB} MB leaves no memory to decode photos with WORKER_CONCURRENCY=${parsed.data.WORKER_CONCURRENCY}`);
  }
  const production = cleaned.NODE_ENV === 'production' || cleaned.STACK === 'aws';
  if (parsed.success && production && parsed.data.CORS_ORIGINS?.includes('*')) {
    problems.push('CORS_ORIGINS: `*` is not allowed in production (NODE_ENV=production or STACK=aws); list the app origins');
  }
  if (parsed.success && parsed.data.SHARE_LINK_KEYS) {
    const kids = Object.keys(parsed.data.SHARE_LINK_KEYS);
    const active = parsed.data.SHARE_LINK_KEY_ID;
    if (active === undefined && kids.length > 1) problems.push('SHARE_LINK_KEY_ID: required when SHARE_LINK_KEYS holds several keys (which one signs?)');
    if (active !== undefined && !kids.includes(active)) problems.push(`SHARE_LINK_KEY_ID: ${active} is not a key of SHARE_LINK_KEYS`);
  } else if (parsed.success && parsed.data.SHARE_LINK_KEY_ID !== undefined) {
    problems.push('SHARE_LINK_KEY_ID: set without SHARE_LINK_KEYS');
  }
  if (!parsed.success || !budget || problems.length > 0) throw new ConfigError(problems);

  const env = parsed.data;
  return {
    env: env.NODE_ENV,
    stack: env.STACK,
    port: env.PORT,
    host: env.HOST,
    logLevel: env.LOG_LEVEL,
    logPretty: env.LOG_PRETTY ?? (env.STACK === 'local' && process.stdout.isTTY === true),
    region: env.AWS_REGION,
    dataDir: env.DATA_DIR,
    resetData: env.RESET_DATA,
    aws: {
      endpoints: {
        s3: env.AWS_ENDPOINT_URL_S3,
        dynamodb: env.AWS_ENDPOINT_URL_DYNAMODB,
        sqs: env.AWS_ENDPOINT_URL_SQS,
        ses: env.AWS_ENDPOINT_URL_SES,
        eventbridge: env.AWS_ENDPOINT_URL_EVENTBRIDGE,
        cognito: env.AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER,
      },
      connectTimeoutMs: env.AWS_CONNECT_TIMEOUT_MS ?? (env.STACK === 'aws' ? 1000 : 2000),
      requestTimeoutMs: env.AWS_REQUEST_TIMEOUT_MS ?? (env.STACK === 'aws' ? 3000 : 10_000),
      maxAttempts: env.AWS_MAX_ATTEMPTS,
      maxConcurrency: env.AWS_MAX_CONCURRENCY,
      maxQueued: env.AWS_MAX_QUEUED ?? 4 * env.AWS_MAX_CONCURRENCY,
      queueWaitMs: env.AWS_QUEUE_WAIT_MS ?? (env.STACK === 'aws' ? 2000 : 5000),
    },
    // Two requests per DynamoDB socket (one on the wire, one next in line): more would only queue.
    overload: { maxInFlight: env.OVERLOAD_MAX_IN_FLIGHT ?? 2 * env.AWS_MAX_CONCURRENCY, retryAfterSeconds: env.OVERLOAD_RETRY_AFTER_SECONDS },
    resources: {
      bucket: env.S3_BUCKET,
      table: env.DYNAMODB_TABLE,
      queueUrl: env.SQS_QUEUE_URL,
      dlqUrl: env.SQS_DLQ_URL,
      emailFrom: env.SES_FROM_ADDRESS,
      userPoolId: env.COGNITO_USER_POOL_ID,
      userPoolClientId: env.COGNITO_CLIENT_ID,
      eventBusName: env.EVENT_BUS_NAME,
    },
    http: {
      bodyLimit: env.BODY_LIMIT_BYTES,
      trustProxy: env.TRUST_PROXY,
      corsOrigins: env.CORS_ORIGINS ?? (production ? [] : [...DEV_CORS_ORIGINS]),
      listenBacklog: env.HTTP_LISTEN_BACKLOG,
      keepAliveTimeoutMs: env.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    },
    webAppDir: env.WEB_APP_DIR,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    workers: {
      concurrency: env.WORKER_CONCURRENCY,
      waitSeconds: env.WORKER_WAIT_SECONDS,
      visibilitySeconds: env.WORKER_VISIBILITY_SECONDS,
    },
    processing: budget,
    rateLimits: {
      authPerIpPerMinute: env.RATE_LIMIT_AUTH_IP_PER_MINUTE,
      authPerEmailPer15Minutes: env.RATE_LIMIT_AUTH_EMAIL_PER_15_MINUTES,
      userPerMinute: env.RATE_LIMIT_USER_PER_MINUTE ?? (production ? DEFAULT_USER_PER_MINUTE : undefined),
      uploadBatchesPerMinute: env.RATE_LIMIT_UPLOAD_BATCHES_PER_MINUTE ?? (production ? DEFAULT_UPLOAD_BATCHES_PER_MINUTE : undefined),
      sharedPerIpPerMinute: env.RATE_LIMIT_SHARED_IP_PER_MINUTE ?? (production ? DEFAULT_SHARED_IP_PER_MINUTE : undefined),
      guestUploadsPerIpPerMinute: env.RATE_LIMIT_GUEST_UPLOADS_IP_PER_MINUTE ?? (production ? DEFAULT_GUEST_UPLOADS_IP_PER_MINUTE : undefined),
    },
    shareLinks: {
      keys: env.SHARE_LINK_KEYS ?? {},
      signingKeyId: env.SHARE_LINK_KEY_ID ?? (env.SHARE_LINK_KEYS ? Object.keys(env.SHARE_LINK_KEYS)[0] : undefined),
      dayMs: env.SHARE_LINK_DAY_SECONDS * 1000,
      maxFileBytes: env.COLLECT_MAX_FILE_BYTES,
      maxFilesPerRequest: env.COLLECT_MAX_FILES,
      publicBaseUrl: env.PUBLIC_BASE_URL,
    },
    revocations: { pollIntervalMs: env.REVOCATION_POLL_MS },
    photos: {
      defaultQuotaBytes: env.QUOTA_BYTES_DEFAULT,
      maxBytes: env.UPLOAD_MAX_BYTES,
      maxBytesRaw: env.UPLOAD_MAX_BYTES_RAW,
      uploadUrlTtlSeconds: env.UPLOAD_URL_TTL_SECONDS,
      multipartThresholdBytes: env.MULTIPART_THRESHOLD_BYTES,
      multipartPartBytes: env.MULTIPART_PART_BYTES,
      sweepIntervalSeconds: env.SWEEP_INTERVAL_SECONDS,
    },
    secrets: { cursor: env.CURSOR_SECRET ?? '' },
    devRoutes: env.STACK === 'local',
    photoUrls:
      env.PHOTO_URLS === 'cloudfront'
        ? { mode: 'cloudfront', domain: env.CLOUDFRONT_DOMAIN!, keyPairId: env.CLOUDFRONT_KEY_PAIR_ID!, privateKey: signingKey! }
        : { mode: 's3' },
  };
}

/** Narrows resources once every name is known; the app refuses to build without them. */
export function requireResources(config: AppConfig): Resources {
  const missing = Object.entries(config.resources)
    .filter(([, v]) => v === undefined)
    .map(([k]) => k);
  if (missing.length > 0) throw new ConfigError(missing.map((k) => `resource ${k} is not configured`));
  return config.resources as Resources;
}

/** Where the embedded local stack runs: what src/local/stack.ts reports after start-up. */
export interface LocalStackInfo {
  region: string;
  endpoints: Required<AwsEndpoints>;
  resources: Resources;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Generated once per data folder (stack.json); CURSOR_SECRET, when set, wins. */
  cursorSecret: string;
}

/** The kid of the share link key derived from the cursor secret when SHARE_LINK_KEYS is unset. */
export const DERIVED_SHARE_LINK_KID = 'c0';

/**
 * The share link keys in force: SHARE_LINK_KEYS, or else one key derived from the cursor secret (an HMAC with
 * a purpose label, so neither key tells anything about the other), which every instance derives alike.
 */
export function shareLinkKeyring(config: AppConfig): { keys: Record<string, string>; signingKeyId: string } {
  const { keys, signingKeyId } = config.shareLinks;
  if (signingKeyId !== undefined && Object.keys(keys).length > 0) return { keys, signingKeyId };
  if (config.secrets.cursor.length < 32) throw new Error('no share link key: set SHARE_LINK_KEYS (or CURSOR_SECRET)');
  const derived = createHmac('sha256', config.secrets.cursor).update('auroravault share link key v1').digest('base64url');
  return { keys: { [DERIVED_SHARE_LINK_KID]: derived }, signingKeyId: DERIVED_SHARE_LINK_KID };
}

/** Points the config at the local stack's servers and resources. */
export function withLocalStack(config: AppConfig, stack: LocalStackInfo): AppConfig {
  return {
    ...config,
    region: stack.region,
    aws: { ...config.aws, endpoints: stack.endpoints, credentials: stack.credentials },
    resources: stack.resources,
    secrets: { ...config.secrets, cursor: config.secrets.cursor || stack.cursorSecret },
  };
}
