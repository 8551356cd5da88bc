import { generateKeyPairSync } from 'node:crypto';
import { ConfigError, loadConfig } from '../src/config.js';

/** What loadConfig refuses in `env`, one line per bad variable (none: []). */
function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

/** What STACK=aws needs besides CURSOR_SECRET: every resource named (SST's links provide them in production). */
const AWS_RESOURCES = {
  STACK: 'aws',
  S3_BUCKET: 'photos-bucket',
  DYNAMODB_TABLE: 'table-1',
  SQS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/1/jobs',
  SQS_DLQ_URL: 'https://sqs.us-east-1.amazonaws.com/1/dlq',
  SES_FROM_ADDRESS: 'noreply@example.com',
  COGNITO_USER_POOL_ID: 'us-east-1_Abc123xyz',
  COGNITO_CLIENT_ID: 'client1',
  EVENT_BUS_NAME: 'bus-1',
};

describe('loadConfig', () => {
  it('defaults to the embedded local stack on port 3000', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ stack: 'local', port: 3000, host: '127.0.0.1', devRoutes: true });
    expect(config.http.trustProxy).toBe(false);
  });

  it('names every bad variable at once', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: '99999', LOG_LEVEL: 'loud', WORKER_CONCURRENCY: '-1', AWS_ENDPOINT_URL_S3: 'not a url' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const names = (error as ConfigError).problems.map((p) => p.split(':')[0]).sort();
    expect(names).toEqual(['AWS_ENDPOINT_URL_S3', 'LOG_LEVEL', 'PORT', 'WORKER_CONCURRENCY']);
  });

  it('reads TRUST_PROXY as a hop count, or true/false', () => {
    expect(loadConfig({ TRUST_PROXY: '2' }).http.trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '1' }).http.trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: 'true' }).http.trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '0' }).http.trustProxy).toBe(false);
  });

  it('CORS_ORIGINS: the Expo dev server by default in development and test, none in production', () => {
    expect(loadConfig({}).http.corsOrigins).toEqual(['http://localhost:8081', 'http://127.0.0.1:8081']);
    expect(loadConfig({ NODE_ENV: 'test' }).http.corsOrigins).toEqual(['http://localhost:8081', 'http://127.0.0.1:8081']);
    expect(loadConfig({ NODE_ENV: 'production' }).http.corsOrigins).toEqual([]);
    expect(loadConfig({ CORS_ORIGINS: ' https://app.example.com , http://localhost:19006,' }).http.corsOrigins).toEqual([
      'https://app.example.com',
      'http://localhost:19006',
    ]);
  });

  it('CORS_ORIGINS: refuses `*` in production and anything that is not an exact origin', () => {
    expect(problems({ NODE_ENV: 'production', CORS_ORIGINS: '*' })).toEqual([expect.stringMatching(/^CORS_ORIGINS: `\*` is not allowed in production/)]);
    expect(problems({ NODE_ENV: 'production', CORS_ORIGINS: 'https://app.example.com,*' })).toEqual([expect.stringMatching(/^CORS_ORIGINS: /)]);
    expect(problems({ STACK: 'aws', CORS_ORIGINS: '*' })).toContainEqual(expect.stringMatching(/^CORS_ORIGINS: `\*` is not allowed/));
    expect(loadConfig({ CORS_ORIGINS: '*' }).http.corsOrigins).toEqual(['*']);
    for (const bad of ['https://app.example.com/', 'https://app.example.com/path', 'app.example.com', 'ftp://app.example.com', 'https://*.example.com']) {
      expect(problems({ CORS_ORIGINS: bad })).toEqual([expect.stringMatching(/^CORS_ORIGINS: must be origins/)]);
    }
  });

  it('reads resources from SST links, with plain variables winning', () => {
    const config = loadConfig({
      STACK: 'aws',
      SST_RESOURCE_Photos: JSON.stringify({ name: 'photos-bucket' }),
      SST_RESOURCE_Table: JSON.stringify({ name: 'table-1' }),
      SST_RESOURCE_Jobs: JSON.stringify({ url: 'https://sqs.us-east-1.amazonaws.com/1/jobs' }),
      SST_RESOURCE_JobsDlq: JSON.stringify({ url: 'https://sqs.us-east-1.amazonaws.com/1/dlq' }),
      SST_RESOURCE_Email: JSON.stringify({ sender: 'noreply@example.com' }),
      SST_RESOURCE_UserPool: JSON.stringify({ id: 'us-east-1_Abc123xyz' }),
      SST_RESOURCE_UserPoolClient: JSON.stringify({ id: 'client1' }),
      SST_RESOURCE_Bus: JSON.stringify({ name: 'bus-1' }),
      SST_RESOURCE_CursorSecret: JSON.stringify({ value: 'c'.repeat(40) }),
      DYNAMODB_TABLE: 'override-table',
    });
    expect(config.resources).toEqual({
      bucket: 'photos-bucket',
      table: 'override-table',
      queueUrl: 'https://sqs.us-east-1.amazonaws.com/1/jobs',
      dlqUrl: 'https://sqs.us-east-1.amazonaws.com/1/dlq',
      emailFrom: 'noreply@example.com',
      userPoolId: 'us-east-1_Abc123xyz',
      userPoolClientId: 'client1',
      eventBusName: 'bus-1',
    });
    expect(config.devRoutes).toBe(false);
    expect(config.secrets.cursor).toBe('c'.repeat(40));
  });

  it('needs CURSOR_SECRET (32+ characters) with STACK=aws; local mode takes the stack\'s', () => {
    const aws = AWS_RESOURCES;
    expect(() => loadConfig(aws)).toThrow(/CURSOR_SECRET: required when STACK=aws/);
    expect(() => loadConfig({ ...aws, CURSOR_SECRET: 'too-short' })).toThrow(/CURSOR_SECRET/);
    expect(loadConfig({ ...aws, CURSOR_SECRET: 's'.repeat(32) }).secrets.cursor).toBe('s'.repeat(32));
    expect(loadConfig({}).secrets.cursor).toBe('');
    expect(loadConfig({}).photos.sweepIntervalSeconds).toBe(60);
    expect(loadConfig({ SWEEP_INTERVAL_SECONDS: '0' }).photos.sweepIntervalSeconds).toBe(0);
  });

  it('AWS call budget: on AWS a silent dependency fails a call within a few seconds; the local emulators get longer', () => {
    const aws = { ...AWS_RESOURCES, CURSOR_SECRET: 's'.repeat(32) };
    const budget = ({ aws: a }: ReturnType<typeof loadConfig>) => a.maxAttempts * a.requestTimeoutMs;
    const onAws = loadConfig(aws);
    expect(budget(onAws)).toBeLessThanOrEqual(6000);
    // A call that waits for a slot first: the whole of it stays within a phone's patience.
    expect(onAws.aws.queueWaitMs + budget(onAws)).toBeLessThanOrEqual(8000);
    expect(loadConfig({}).aws.queueWaitMs).toBe(5000);
    expect(loadConfig({ ...aws, AWS_QUEUE_WAIT_MS: '750' }).aws.queueWaitMs).toBe(750);
    expect(onAws.aws.connectTimeoutMs).toBeLessThanOrEqual(onAws.aws.requestTimeoutMs);
    expect(budget(loadConfig({}))).toBeGreaterThan(budget(onAws));
    expect(loadConfig({ ...aws, AWS_REQUEST_TIMEOUT_MS: '1500', AWS_CONNECT_TIMEOUT_MS: '500' }).aws).toMatchObject({ requestTimeoutMs: 1500, connectTimeoutMs: 500 });
    expect(() => loadConfig({ AWS_REQUEST_TIMEOUT_MS: '0' })).toThrow(/AWS_REQUEST_TIMEOUT_MS/);
  });
});

describe('PHOTO_URLS (s3 | cloudfront)', () => {
  const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const cloudfront = {
    PHOTO_URLS: 'cloudfront',
    CLOUDFRONT_DOMAIN: 'd111111abcdef8.cloudfront.net',
    CLOUDFRONT_KEY_PAIR_ID: 'K2JCJMDEHXQW5F',
    CLOUDFRONT_PRIVATE_KEY: pem,
  };

  it('defaults to presigned S3 URLs, and ignores CLOUDFRONT_* then', () => {
    expect(loadConfig({}).photoUrls).toEqual({ mode: 's3' });
    expect(loadConfig({ CLOUDFRONT_DOMAIN: 'd1.cloudfront.net' }).photoUrls).toEqual({ mode: 's3' });
    expect(problems({ PHOTO_URLS: 'cdn' })).toEqual([expect.stringMatching(/^PHOTO_URLS:/)]);
  });

  it('cloudfront: domain, key pair id and the parsed RSA key', () => {
    const urls = loadConfig(cloudfront).photoUrls;
    expect(urls).toMatchObject({ mode: 'cloudfront', domain: 'd111111abcdef8.cloudfront.net', keyPairId: 'K2JCJMDEHXQW5F' });
    if (urls.mode !== 'cloudfront') throw new Error('unreachable');
    expect(urls.privateKey.type).toBe('private');
    expect(urls.privateKey.asymmetricKeyType).toBe('rsa');
    // A KeyObject prints nothing of the key.
    expect(JSON.stringify(urls)).not.toContain('PRIVATE KEY');
    // A URL is reduced to its host.
    expect(loadConfig({ ...cloudfront, CLOUDFRONT_DOMAIN: 'https://photos.example.com/' }).photoUrls).toMatchObject({ domain: 'photos.example.com' });
  });

  it('cloudfront: names each missing variable', () => {
    expect(problems({ PHOTO_URLS: 'cloudfront' }).sort()).toEqual([
      'CLOUDFRONT_DOMAIN: required when PHOTO_URLS=cloudfront',
      'CLOUDFRONT_KEY_PAIR_ID: required when PHOTO_URLS=cloudfront',
      'CLOUDFRONT_PRIVATE_KEY: required when PHOTO_URLS=cloudfront',
    ]);
    expect(problems({ ...cloudfront, CLOUDFRONT_KEY_PAIR_ID: '' })).toEqual(['CLOUDFRONT_KEY_PAIR_ID: required when PHOTO_URLS=cloudfront']);
  });

  it('cloudfront: accepts a \\n-escaped PEM (one-line env files and secrets)', () => {
    const escaped = pem.trim().replace(/\n/g, '\\n');
    expect(escaped).not.toContain('\n');
    const urls = loadConfig({ ...cloudfront, CLOUDFRONT_PRIVATE_KEY: escaped }).photoUrls;
    expect(urls.mode === 'cloudfront' && urls.privateKey.asymmetricKeyType).toBe('rsa');
    // CRLF-escaped too.
    expect(loadConfig({ ...cloudfront, CLOUDFRONT_PRIVATE_KEY: pem.trim().replace(/\n/g, '\\r\\n') }).photoUrls.mode).toBe('cloudfront');
  });

  it('cloudfront: rejects a bad key, a non-RSA key, a bad domain and a bad key pair id', () => {
    expect(problems({ ...cloudfront, CLOUDFRONT_PRIVATE_KEY: 'not a key' })).toEqual(['CLOUDFRONT_PRIVATE_KEY: is not a PEM private key']);
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(problems({ ...cloudfront, CLOUDFRONT_PRIVATE_KEY: ec })).toEqual([expect.stringMatching(/^CLOUDFRONT_PRIVATE_KEY: must be an RSA key/)]);
    expect(problems({ ...cloudfront, CLOUDFRONT_DOMAIN: 'not a host' })).toEqual([expect.stringMatching(/^CLOUDFRONT_DOMAIN:/)]);
    expect(problems({ ...cloudfront, CLOUDFRONT_KEY_PAIR_ID: 'k-1&x' })).toEqual([expect.stringMatching(/^CLOUDFRONT_KEY_PAIR_ID:/)]);
  });

  it('cloudfront: reads SST links PhotoUrls { domain, keyPairId } and PhotoSigningKey { value }, plain variables winning', () => {
    const linked = {
      PHOTO_URLS: 'cloudfront',
      SST_RESOURCE_PhotoUrls: JSON.stringify({ domain: 'd222222abcdef8.cloudfront.net', keyPairId: 'KLINKED1234' }),
      SST_RESOURCE_PhotoSigningKey: JSON.stringify({ value: pem }),
    };
    expect(loadConfig(linked).photoUrls).toMatchObject({ mode: 'cloudfront', domain: 'd222222abcdef8.cloudfront.net', keyPairId: 'KLINKED1234' });
    expect(loadConfig({ ...linked, CLOUDFRONT_DOMAIN: 'photos.example.com' }).photoUrls).toMatchObject({ domain: 'photos.example.com' });
  });

  it('shares what the task memory leaves, after the server and one idle decoder per worker, among the decodes', () => {
    const MiB = 1024 ** 2;
    // 2048 MB: 90 % of it, less 256 MB for the server and 4 x 104 MB of idle decoders.
    expect(loadConfig({}).processing).toEqual({ decoders: 4, decodeBudgetBytes: Math.floor(2048 * MiB * 0.9) - 256 * MiB - 4 * 104 * MiB, maxPixels: 100_000_000 });
    expect(loadConfig({ TASK_MEMORY_MB: '4096', WORKER_CONCURRENCY: '2', DECODE_MAX_PIXELS: '50000000' }).processing).toEqual({
      decoders: 2,
      decodeBudgetBytes: Math.floor(4096 * MiB * 0.9) - 256 * MiB - 2 * 104 * MiB,
      maxPixels: 50_000_000,
    });
    // Workers off: one decoder still counts (tests and scripts process photos without workers).
    expect(loadConfig({ WORKER_CONCURRENCY: '0' }).processing.decoders).toBe(1);
  });

  it('refuses a task memory that leaves nothing to decode with, naming TASK_MEMORY_MB', () => {
    expect(() => loadConfig({ TASK_MEMORY_MB: '768', WORKER_CONCURRENCY: '4' })).toThrow(/TASK_MEMORY_MB: 768 MB leaves no memory to decode photos with WORKER_CONCURRENCY=4/);
    expect(() => loadConfig({ TASK_MEMORY_MB: '100' })).toThrow(/TASK_MEMORY_MB/);
    expect(() => loadConfig({ DECODE_MAX_PIXELS: '0' })).toThrow(/DECODE_MAX_PIXELS/);
  });
});
