import { createHmac, createPrivateKey, type KeyObject } from 'node:crypto';
import { processingBudget, type ProcessingBudget } from './photos/processing/memory-budget.js';
import {
  DEFAULT_GUEST_UPLOADS_IP_PER_MINUTE,
  DEFAULT_SHARED_IP_PER_MINUTE,
  DEFAULT_UPLOAD_BATCHES_PER_MINUTE,
  DEFAULT_USER_PER_MINUTE,
  DEV_CORS_ORIGINS,
  envSchema,
  type Env,
} from './env-schema.js';

/**
 * Configuration comes from environment variables only, parsed once at start-up.
 * In production (STACK=aws) resource names come from SST's linked resources
 * (SST_RESOURCE_<Name> JSON variables) or from the plain variables (src/env-schema.ts); in
 * local mode (the default) the embedded local stack fills them in after it has started.
 */

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
