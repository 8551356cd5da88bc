/**
 * Offline checks of sst.config.ts (no AWS, no Pulumi engine, no Docker):
 *
 * 1. SST's platform is installed (scripts/sst-install.sh, from the npm registry only).
 * 2. sst.config.ts type-checks against .sst/platform/config.d.ts with the platform's TypeScript,
 *    and a mutated copy (bad enum values) does NOT: the type-check can fail.
 * 3. sst.config.ts, bundled the way SST bundles it, runs under Pulumi mocks
 *    (test/deploy/sst-mock-run.mjs); the resources it would create are asserted below.
 */
import { spawn } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { passwordPolicy } from '../../src/auth/password-policy';
import { loadConfig } from '../../src/config';
import { MAX_RECEIVES } from '../../src/jobs/queue-policy';
import { GUEST_STAGING_PREFIX } from '../../src/sharing/staging';

const root = path.resolve(__dirname, '../..');
// What `sst secret set ShareLinkKeys ...` provides on a real deploy.
const SHARE_LINK_KEYS = { k1: 'mock-share-link-key-of-at-least-32-chars' };
// What `sst secret set OriginVerifySecret ...` provides on a real deploy.
const ORIGIN_SECRET = 'b5f0c2a4e9d14c7f8a3e6d2b1c0f9e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d';
// What `sst secret set PhotoSigningKey < key.pem` provides on a real deploy.
const photoSigningPem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const platform = path.join(root, '.sst', 'platform');
const workDir = path.join(root, '.sst', 'deploy-test');

// First run installs the platform (~40 s to ~2 min); later runs take ~25 s (the type-check dominates).
jest.setTimeout(6 * 60_000);

/** Resource inputs as the mocks recorded them: arbitrary JSON, asserted field by field. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Inputs = Record<string, any>;
interface Recorded {
  type: string;
  name: string;
  custom: boolean;
  inputs: Inputs;
}
interface MockRun {
  appConfig: Record<string, { name: string; removal: string; home: string }>;
  bundledInputs: string[];
  resources: Recorded[];
  invokes: { token: string }[];
  rpcCalls: { method: string }[];
  errors: string[];
  outputs: Record<string, unknown>;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 300_000) {
  return new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

/** Pulumi marks secrets with this signature key; the mocks hand them over still wrapped. */
const SECRET_SIG = '4dabf18193072939515e22adb298388d';
function unwrap<T>(value: unknown): T {
  if (value && typeof value === 'object' && SECRET_SIG in value) return (value as unknown as { value: T }).value;
  return value as T;
}
/**
 * Every input unwrapped: what derives from a secret is marked secret too (the load balancer's
 * settings carry the origin secret's mark through SST's rules output, harmlessly).
 */
const plain = (inputs: Inputs): Inputs => Object.fromEntries(Object.entries(inputs).map(([key, value]) => [key, unwrap(value)]));

interface TscError {
  file: string;
  line: number;
  text: string;
}
function parseTsc(out: string): TscError[] {
  const errors: TscError[] = [];
  for (const m of out.matchAll(/^(.+?)\((\d+),\d+\): error (TS\d+: .*)$/gm)) {
    errors.push({ file: path.resolve(root, m[1]!), line: Number(m[2]), text: m[3]! });
  }
  return errors;
}

// Mutations of sst.config.ts that SST's types must reject (each `from` must exist in the config).
const mutations = [
  { from: 'stream: "new-and-old-images"', to: 'stream: "new-and-old"' },
  { from: 'cpu: "0.5 vCPU"', to: 'cpu: "0.3 vCPU"' },
  { from: 'listen: "443/https"', to: 'listen: "443/htps"' },
  { from: 'usernames: ["email"]', to: 'usernames: ["mail"]' },
];

let mock: MockRun;
let tsc: { code: number | null; out: string; mutantLines: number[] };
const configSource = fs.readFileSync(path.join(root, 'sst.config.ts'), 'utf8');

beforeAll(async () => {
  // 1. Platform.
  if (!fs.existsSync(path.join(platform, 'config.d.ts'))) {
    const install = await run('bash', [path.join(root, 'scripts/sst-install.sh')], process.env, 5 * 60_000);
    if (install.code !== 0) throw new Error(`scripts/sst-install.sh failed:\n${install.out}`);
  }

  // 2. Type-check the real config and a mutated copy in one tsc run.
  fs.mkdirSync(workDir, { recursive: true });
  let mutant = configSource
    .replace('/// <reference path="./.sst/platform/config.d.ts" />', '/// <reference path="../platform/config.d.ts" />')
    .replace('"./src/auth/password-policy"', '"../../src/auth/password-policy"');
  const mutantLines: number[] = [];
  for (const { from, to } of mutations) {
    const index = mutant.indexOf(from);
    if (index < 0) throw new Error(`mutation target not found in sst.config.ts: ${from}`);
    mutantLines.push(mutant.slice(0, index).split('\n').length);
    mutant = mutant.replace(from, to);
  }
  fs.writeFileSync(path.join(workDir, 'mutant.config.ts'), mutant);
  fs.writeFileSync(
    path.join(workDir, 'tsconfig.json'),
    JSON.stringify({ extends: '../../tsconfig.sst.json', files: ['../../sst.config.ts', 'mutant.config.ts'] }, null, 2),
  );
  const tscBin = path.join(platform, 'node_modules', 'typescript', 'bin', 'tsc');

  // 3. Mocked run (in parallel with tsc).
  const outJson = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sst-mock-')), 'run.json');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AURORA_DOMAIN: 'photos.test.example',
    AURORA_ALARM_EMAIL: 'ops@photos.test.example',
    // What `sst secret set CursorSecret ...` provides on a real deploy.
    SST_SECRET_CursorSecret: 'mock-cursor-secret-of-at-least-32-chars',
    SST_SECRET_ShareLinkKeys: JSON.stringify(SHARE_LINK_KEYS),
    SST_SECRET_PhotoSigningKey: photoSigningPem,
    SST_SECRET_OriginVerifySecret: ORIGIN_SECRET,
    SST_MOCK_TIMEOUT_MS: '120000',
  };
  const [typecheck, mocked] = await Promise.all([
    run(process.execPath, [tscBin, '-p', path.join(workDir, 'tsconfig.json'), '--pretty', 'false'], process.env, 180_000),
    run(process.execPath, [path.join(__dirname, 'sst-mock-run.mjs'), root, outJson, 'test'], env, 150_000),
  ]);
  tsc = { ...typecheck, mutantLines };
  if (!fs.existsSync(outJson)) throw new Error(`sst-mock-run.mjs wrote nothing (exit ${mocked.code}):\n${mocked.out}`);
  mock = JSON.parse(fs.readFileSync(outJson, 'utf8')) as MockRun;
  fs.rmSync(path.dirname(outJson), { recursive: true, force: true });
  if (mocked.code !== 0) throw new Error(`sst-mock-run.mjs failed (exit ${mocked.code}):\n${mocked.out}`);
});

const all = (type: string) => mock.resources.filter((r) => r.type === type);
function one(type: string, name: string): Recorded {
  const found = mock.resources.filter((r) => r.type === type && r.name === name);
  expect(found).toHaveLength(1);
  return found[0]!;
}
const queueArn = (name: string) => `arn:aws:sqs:us-east-1:123456789012:${one('aws:sqs/queue:Queue', name).inputs.name}`;

describe('sst.config.ts source', () => {
  it('has no top-level imports (SST refuses them)', () => {
    expect(configSource).not.toMatch(/^\s*import\s/m);
  });

  it('type-checks against .sst/platform/config.d.ts', () => {
    const errors = parseTsc(tsc.out);
    const real = errors.filter((e) => e.file === path.join(root, 'sst.config.ts'));
    expect(real).toEqual([]);
    // Errors anywhere else than the mutant are a broken setup, not a pass.
    expect(errors.filter((e) => !e.file.endsWith('mutant.config.ts'))).toEqual([]);
  });

  it('rejects wrong enum values (the type-check can fail)', () => {
    const errors = parseTsc(tsc.out).filter((e) => e.file.endsWith('mutant.config.ts'));
    for (const line of tsc.mutantLines) {
      expect(errors.map((e) => e.line)).toContain(line);
    }
    expect(tsc.code).not.toBe(0);
  });
});

describe('sst.config.ts under Pulumi mocks', () => {
  it('ran cleanly and bundled the shared password policy like SST does', () => {
    expect(mock.errors).toEqual([]);
    expect(mock.bundledInputs).toEqual(expect.arrayContaining(['sst.config.ts', 'src/auth/password-policy.ts']));
    expect(mock.rpcCalls.map((c) => c.method)).toEqual(['Provider.Aws.Bootstrap']);
    expect(mock.outputs.url).toMatch(/^https:\/\/.+\.cloudfront\.net$/);
  });

  it('app(): name, home and stage-dependent removal', () => {
    expect(mock.appConfig.test).toEqual({ name: 'auroravault', removal: 'remove', home: 'aws' });
    expect(mock.appConfig.production).toEqual({ name: 'auroravault', removal: 'retain', home: 'aws' });
  });

  it('declares every named component', () => {
    const components = mock.resources.filter((r) => r.type.startsWith('sst:aws:')).map((r) => `${r.type} ${r.name}`);
    expect(components.sort()).toEqual(
      [
        'sst:aws:Bucket Photos',
        'sst:aws:Bus Bus',
        'sst:aws:CDN Cdn',
        'sst:aws:CDN PhotoCdn',
        // The load balancer's certificate (ACM, DNS-validated in Route 53).
        'sst:aws:Certificate ApiSsl',
        'sst:aws:Cluster Cluster',
        'sst:aws:CognitoUserPool UserPool',
        'sst:aws:CognitoUserPoolClient UserPoolClient',
        'sst:aws:Dynamo Table',
        'sst:aws:Email Email',
        'sst:aws:Queue Jobs',
        'sst:aws:Queue JobsDlq',
        'sst:aws:Service Api',
        'sst:aws:Vpc Vpc',
      ].sort(),
    );
  });

  describe('Api service', () => {
    it('builds the repo Dockerfile with context "."', () => {
      const image = one('docker-build:index:Image', 'ApiImageApi').inputs;
      expect(image.context.location).toBe(root);
      expect(image.dockerfile.location).toBe(path.join(root, 'Dockerfile'));
    });

    it('ALB listens on 443/https only and forwards to container port 3000, health check /health/live', () => {
      const lb = plain(one('aws:lb/loadBalancer:LoadBalancer', 'ApiLoadBalancer').inputs);
      expect(lb.loadBalancerType).toBe('application');
      expect(lb.internal).toBe(false);

      const target = one('aws:lb/targetGroup:TargetGroup', 'ApiTargetApiHTTP3000').inputs;
      expect(target).toMatchObject({ port: 3000, protocol: 'HTTP', targetType: 'ip' });
      expect(target.healthCheck).toMatchObject({ path: '/health/live', matcher: '200' });

      const listeners = all('aws:lb/listener:Listener');
      expect(listeners).toHaveLength(1);
      expect(listeners[0]!.inputs).toMatchObject({ port: 443, protocol: 'HTTPS', sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06' });
      // The certificate of the ALB's own name, validated in the hosted zone, and that name points at the ALB.
      const certificate = one('aws:acm/certificate:Certificate', 'ApiSslCertificate').inputs;
      expect(certificate).toMatchObject({ domainName: 'api-origin-test.photos.test.example', validationMethod: 'DNS' });
      expect(listeners[0]!.inputs.certificateArn).toBe(one('aws:acm/certificateValidation:CertificateValidation', 'ApiSslValidation').inputs.certificateArn);
      const records = all('aws:route53/record:Record').map((r) => r.inputs);
      expect(records).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ type: 'CNAME', name: '_mockvalidation.api-origin-test.photos.test.example.' }),
          expect.objectContaining({
            type: 'A',
            name: 'api-origin-test.photos.test.example',
            aliases: [expect.objectContaining({ name: expect.stringMatching(new RegExp(`^${lb.name}-.*\\.elb\\.amazonaws\\.com$`)) })],
          }),
        ]),
      );

      const service = plain(one('aws:ecs/service:Service', 'ApiService').inputs);
      expect(service.loadBalancers).toEqual([
        expect.objectContaining({ containerName: 'Api', containerPort: 3000, targetGroupArn: expect.stringContaining('ApiTargetApiHTTP3000') }),
      ]);
      expect(service.desiredCount).toBe(2);
    });

    it('only our distribution may reach the load balancer: CloudFront addresses on 443, and the secret origin header', () => {
      const sg = one('aws:ec2/securityGroup:SecurityGroup', 'ApiLoadBalancerSecurityGroup').inputs;
      expect(sg.ingress).toEqual([expect.objectContaining({ fromPort: 443, toPort: 443, prefixListIds: ['pl-3b927c52'] })]);
      expect(sg.ingress[0].cidrBlocks ?? []).toEqual([]);
      const prefixList = mock.invokes.find((i) => i.token === 'aws:ec2/getManagedPrefixList:getManagedPrefixList');
      expect(prefixList).toMatchObject({ inputs: { name: 'com.amazonaws.global.cloudfront.origin-facing' } });

      // Without the header, the listener answers 403 itself; with it, the rule forwards to the tasks.
      const listener = one('aws:lb/listener:Listener', 'ApiListenerHTTPS443').inputs;
      expect(listener.defaultActions).toEqual([expect.objectContaining({ type: 'fixed-response', fixedResponse: expect.objectContaining({ statusCode: '403' }) })]);
      const rules = all('aws:lb/listenerRule:ListenerRule').map((r) => r.inputs);
      expect(rules).toHaveLength(1);
      expect(rules[0]!.actions).toEqual([expect.objectContaining({ type: 'forward', targetGroupArn: expect.stringContaining('ApiTargetApiHTTP3000') })]);
      expect(unwrap<unknown>(rules[0]!.conditions)).toEqual([{ httpHeader: { httpHeaderName: 'X-Origin-Verify', values: [ORIGIN_SECRET] } }]);

      // The distribution sends exactly that header to the origin.
      const [origin] = unwrap<Inputs[]>(one('aws:cloudfront/distribution:Distribution', 'CdnDistribution').inputs.origins);
      expect(origin!.customHeaders).toEqual([{ name: 'X-Origin-Verify', value: ORIGIN_SECRET }]);
    });

    it('autoscales between 2 and 10 tasks on CPU and memory', () => {
      const target = plain(one('aws:appautoscaling/target:Target', 'ApiAutoScalingTarget').inputs);
      expect(target).toMatchObject({ minCapacity: 2, maxCapacity: 10, scalableDimension: 'ecs:service:DesiredCount' });
      const metrics = all('aws:appautoscaling/policy:Policy').map(
        (p) => p.inputs.targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.predefinedMetricType,
      );
      expect(metrics.sort()).toEqual(['ECSServiceAverageCPUUtilization', 'ECSServiceAverageMemoryUtilization']);
    });

    const containerEnv = () => {
      const defs = JSON.parse(unwrap<string>(one('aws:ecs/taskDefinition:TaskDefinition', 'ApiTask').inputs.containerDefinitions)) as {
        name: string;
        environment: { name: string; value: string }[];
      }[];
      expect(defs).toHaveLength(1);
      return Object.fromEntries(defs[0]!.environment.map((e) => [e.name, e.value]));
    };

    it('gives the container 65535 open files (every held connection is one)', () => {
      const defs = JSON.parse(unwrap<string>(one('aws:ecs/taskDefinition:TaskDefinition', 'ApiTask').inputs.containerDefinitions)) as { ulimits?: unknown }[];
      expect(defs[0]!.ulimits).toEqual([{ name: 'nofile', softLimit: 65535, hardLimit: 65535 }]);
    });

    it('sets the production environment', () => {
      expect(containerEnv()).toMatchObject({
        STACK: 'aws',
        NODE_ENV: 'production',
        HOST: '0.0.0.0',
        PORT: '3000',
        TRUST_PROXY: '2',
        PHOTO_URLS: 'cloudfront',
        CORS_ORIGINS: 'https://photos.test.example',
      });
    });

    it('links every resource, and src/config.ts reads them all from the task environment', () => {
      const env = containerEnv();
      for (const name of ['Photos', 'Table', 'Jobs', 'JobsDlq', 'Email', 'UserPool', 'UserPoolClient', 'Bus', 'CursorSecret', 'ShareLinkKeys', 'PhotoUrls', 'PhotoSigningKey']) {
        expect(env).toHaveProperty(`SST_RESOURCE_${name}`);
      }
      const config = loadConfig({ ...env, AWS_REGION: 'us-east-1' });
      expect(config.stack).toBe('aws');
      expect(config.port).toBe(3000);
      expect(config.http.trustProxy).toBe(2);
      expect(config.http.corsOrigins).toEqual(['https://photos.test.example']);
      expect(config.secrets.cursor).toBe('mock-cursor-secret-of-at-least-32-chars');
      expect(config.shareLinks).toMatchObject({ keys: SHARE_LINK_KEYS, signingKeyId: 'k1', publicBaseUrl: 'https://photos.test.example' });
      expect(config.resources).toEqual({
        bucket: one('aws:s3/bucket:Bucket', 'PhotosBucket').inputs.bucket,
        table: one('aws:dynamodb/table:Table', 'TableTable').inputs.name,
        queueUrl: `https://sqs.us-east-1.amazonaws.com/123456789012/${one('aws:sqs/queue:Queue', 'JobsQueue').inputs.name}`,
        dlqUrl: `https://sqs.us-east-1.amazonaws.com/123456789012/${one('aws:sqs/queue:Queue', 'JobsDlqQueue').inputs.name}`,
        emailFrom: 'noreply@photos.test.example',
        userPoolId: 'us-east-1_MockUserPoolUserPool',
        userPoolClientId: 'mockclientuserpoolclientclient',
        eventBusName: one('aws:cloudwatch/eventBus:EventBus', 'BusBus').inputs.name,
      });
      // Photo URLs: CloudFront signed URLs on the photo distribution, with the key CloudFront trusts.
      expect(config.photoUrls).toMatchObject({ mode: 'cloudfront', domain: 'dphotocdndistribution.cloudfront.net', keyPairId: 'K2JCJMDEHXQW5F' });
      if (config.photoUrls.mode !== 'cloudfront') throw new Error('unreachable');
      const encodedKey = unwrap<string>(one('aws:cloudfront/publicKey:PublicKey', 'PhotoPublicKey').inputs.encodedKey);
      const signature = sign('sha1', Buffer.from('policy'), config.photoUrls.privateKey);
      expect(verify('sha1', Buffer.from('policy'), createPublicKey(encodedKey), signature)).toBe(true);
      // The consumer's visibility timeout matches the queue's.
      expect(config.workers.visibilitySeconds).toBe(one('aws:sqs/queue:Queue', 'JobsQueue').inputs.visibilityTimeoutSeconds);
    });

    it('task role has IAM statements for every linked resource', () => {
      const role = one('aws:iam/role:Role', 'ApiTaskRole').inputs;
      expect(role.inlinePolicies).toHaveLength(1);
      const policy = JSON.parse(role.inlinePolicies[0].policy) as { Statement: { Action: string | string[]; Resource: string | string[] }[] };
      const grants = policy.Statement.flatMap((s) =>
        [s.Resource].flat().flatMap((resource) => [s.Action].flat().map((action) => `${action} ${resource}`)),
      );
      const bucket = one('aws:s3/bucket:Bucket', 'PhotosBucket').inputs.bucket as string;
      expect(grants).toEqual(
        expect.arrayContaining([
          `s3:* arn:aws:s3:::${bucket}/*`,
          // HeadBucket (readiness) and listing a user's prefix need the bucket itself, not only its objects.
          `s3:* arn:aws:s3:::${bucket}`,
          // Readiness calls SES GetAccount, which has no resource-level permission.
          'ses:GetAccount *',
          `dynamodb:* arn:aws:dynamodb:us-east-1:123456789012:table/${one('aws:dynamodb/table:Table', 'TableTable').inputs.name}`,
          `sqs:* ${queueArn('JobsQueue')}`,
          `sqs:* ${queueArn('JobsDlqQueue')}`,
          'ses:* arn:aws:ses:us-east-1:123456789012:identity/noreply@photos.test.example',
          'cognito-idp:* arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Mock12345',
          `events:* arn:aws:events:us-east-1:123456789012:event-bus/${one('aws:cloudwatch/eventBus:EventBus', 'BusBus').inputs.name}`,
        ]),
      );
    });
  });

  it('Table: keys, GSI1/GSI2, ttl and stream', () => {
    const table = one('aws:dynamodb/table:Table', 'TableTable').inputs;
    expect(table).toMatchObject({ hashKey: 'PK', rangeKey: 'SK', billingMode: 'PAY_PER_REQUEST' });
    expect(table.attributes).toEqual(
      ['PK', 'SK', 'GSI1PK', 'GSI1SK', 'GSI2PK', 'GSI2SK'].map((name) => ({ name, type: 'S' })),
    );
    expect(table.globalSecondaryIndexes).toEqual([
      expect.objectContaining({ name: 'GSI1', hashKey: 'GSI1PK', rangeKey: 'GSI1SK', projectionType: 'ALL' }),
      expect.objectContaining({ name: 'GSI2', hashKey: 'GSI2PK', rangeKey: 'GSI2SK', projectionType: 'ALL' }),
    ]);
    expect(table.ttl).toEqual({ attributeName: 'ttl', enabled: true });
    expect(table).toMatchObject({ streamEnabled: true, streamViewType: 'NEW_AND_OLD_IMAGES' });
  });

  it('Jobs queue: redrive to JobsDlq after the consumer\'s MAX_RECEIVES receives, 60 s visibility; DLQ keeps 14 days', () => {
    const jobs = one('aws:sqs/queue:Queue', 'JobsQueue').inputs;
    expect(JSON.parse(jobs.redrivePolicy)).toEqual({ deadLetterTargetArn: queueArn('JobsDlqQueue'), maxReceiveCount: MAX_RECEIVES });
    expect(jobs.visibilityTimeoutSeconds).toBe(60);
    const dlq = one('aws:sqs/queue:Queue', 'JobsDlqQueue').inputs;
    expect(dlq.messageRetentionSeconds).toBe(14 * 24 * 3600);
    expect(dlq.redrivePolicy).toBeUndefined();
  });

  it('Photos bucket: private, CORS for presigned uploads, aborts incomplete multipart uploads', () => {
    expect(one('aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock', 'PhotosPublicAccessBlock').inputs).toMatchObject({
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    const policy = JSON.parse(one('aws:s3/bucketPolicy:BucketPolicy', 'PhotosPolicy').inputs.policy) as {
      Statement: { Effect: string; Principal?: Record<string, unknown> }[];
    };
    // Deny non-TLS, and one Allow for the photo distribution (asserted below): nothing for everyone.
    expect(policy.Statement.filter((s) => s.Effect === 'Allow').map((s) => s.Principal)).toEqual([{ Service: 'cloudfront.amazonaws.com' }]);
    expect(policy.Statement.filter((s) => s.Effect === 'Deny')).toHaveLength(1);

    const cors = one('aws:s3/bucketCorsConfiguration:BucketCorsConfiguration', 'PhotosCors').inputs.corsRules;
    expect(cors).toHaveLength(1);
    // The app's origin (AURORA_APP_ORIGINS, by default https://<AURORA_DOMAIN>), never a wildcard.
    expect(cors[0].allowedOrigins).toEqual(['https://photos.test.example']);
    expect(cors[0].allowedOrigins).not.toContain('*');
    expect([...cors[0].allowedMethods].sort()).toEqual(['GET', 'HEAD', 'PUT']);
    expect(cors[0].allowedHeaders).toEqual(expect.arrayContaining(['content-type', 'x-amz-checksum-sha256', 'content-length']));
    expect(cors[0].exposeHeaders).toContain('ETag');

    const rules = one('aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration', 'PhotosLifecycle').inputs.rules;
    expect(rules).toEqual([
      expect.objectContaining({ status: 'Enabled', abortIncompleteMultipartUpload: { daysAfterInitiation: 1 } }),
      // Guest uploads left in staging by a crash expire (src/sharing/staging.ts); nothing else does.
      expect.objectContaining({ status: 'Enabled', filter: { prefix: GUEST_STAGING_PREFIX }, expiration: { days: 1 } }),
    ]);
    expect(rules[0].expiration).toBeUndefined();
  });

  it('UserPool: email usernames and the shared password policy; client for USER_PASSWORD_AUTH without secret', () => {
    const pool = one('aws:cognito/userPool:UserPool', 'UserPoolUserPool').inputs;
    expect(pool.usernameAttributes).toEqual(['email']);
    expect(pool.passwordPolicy).toMatchObject({
      minimumLength: passwordPolicy.minLength,
      requireLowercase: passwordPolicy.requireLowercase,
      requireUppercase: passwordPolicy.requireUppercase,
      requireNumbers: passwordPolicy.requireNumbers,
      requireSymbols: passwordPolicy.requireSymbols,
    });
    // Confirmation and reset codes leave through our SES identity, not Cognito's capped default sender.
    expect(pool.emailConfiguration).toEqual({
      emailSendingAccount: 'DEVELOPER',
      sourceArn: 'arn:aws:ses:us-east-1:123456789012:identity/noreply@photos.test.example',
      fromEmailAddress: 'AuroraVault <noreply@photos.test.example>',
    });
    const client = one('aws:cognito/userPoolClient:UserPoolClient', 'UserPoolClientClient').inputs;
    expect([...client.explicitAuthFlows].sort()).toEqual(['ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_PASSWORD_AUTH']);
    expect(client.generateSecret).toBe(false);
    expect(client.userPoolId).toBe('us-east-1_MockUserPoolUserPool');
  });

  it('Email and Bus exist', () => {
    expect(one('aws:sesv2/emailIdentity:EmailIdentity', 'EmailIdentity').inputs.emailIdentity).toBe('noreply@photos.test.example');
    one('aws:cloudwatch/eventBus:EventBus', 'BusBus');
  });

  it('CloudFront distribution has the load balancer as its only origin, reached over HTTPS by the name its certificate covers', () => {
    const dist = one('aws:cloudfront/distribution:Distribution', 'CdnDistribution').inputs;
    expect(unwrap<Inputs[]>(dist.origins)).toEqual([
      expect.objectContaining({
        originId: 'api',
        domainName: one('aws:acm/certificate:Certificate', 'ApiSslCertificate').inputs.domainName,
        customOriginConfig: expect.objectContaining({ httpsPort: 443, originProtocolPolicy: 'https-only', originSslProtocols: ['TLSv1.2'] }),
      }),
    ]);
    expect(mock.outputs.loadBalancer).toBe('https://api-origin-test.photos.test.example/');
    expect(dist.defaultCacheBehavior).toMatchObject({ targetOriginId: 'api', viewerProtocolPolicy: 'redirect-to-https' });
    expect(dist.defaultCacheBehavior.allowedMethods).toEqual(expect.arrayContaining(['PUT', 'POST', 'DELETE']));
  });

  describe('PhotoCdn: photo downloads through CloudFront signed URLs', () => {
    const photoDist = () => one('aws:cloudfront/distribution:Distribution', 'PhotoCdnDistribution').inputs;

    it('has the private Photos bucket as its only origin, through an S3 origin access control (SigV4, always)', () => {
      const bucket = one('aws:s3/bucket:Bucket', 'PhotosBucket').inputs.bucket as string;
      const oac = one('aws:cloudfront/originAccessControl:OriginAccessControl', 'PhotoOriginAccess').inputs;
      expect(oac).toMatchObject({ originAccessControlOriginType: 's3', signingBehavior: 'always', signingProtocol: 'sigv4' });
      expect(photoDist().origins).toEqual([
        {
          originId: 'photos',
          domainName: `${bucket}.s3.us-east-1.amazonaws.com`,
          originAccessControlId: 'PhotoOriginAccess-id',
        },
      ]);
      // No legacy origin access identity, no custom (public HTTP) origin.
      expect(photoDist().origins[0].s3OriginConfig).toBeUndefined();
      expect(photoDist().origins[0].customOriginConfig).toBeUndefined();
    });

    it('every request needs a URL signed by the trusted key group, whose public key matches the PhotoSigningKey secret', () => {
      const behavior = photoDist().defaultCacheBehavior;
      expect(behavior).toMatchObject({
        targetOriginId: 'photos',
        viewerProtocolPolicy: 'https-only',
        trustedKeyGroups: ['PhotoKeyGroup-id'],
      });
      expect([...behavior.allowedMethods].sort()).toEqual(['GET', 'HEAD']);
      expect(photoDist().orderedCacheBehaviors ?? []).toEqual([]);
      expect(one('aws:cloudfront/keyGroup:KeyGroup', 'PhotoKeyGroup').inputs.items).toEqual(['K2JCJMDEHXQW5F']);
      const encodedKey = unwrap<string>(one('aws:cloudfront/publicKey:PublicKey', 'PhotoPublicKey').inputs.encodedKey);
      expect(encodedKey).toBe(createPublicKey(photoSigningPem).export({ type: 'spki', format: 'pem' }).toString());
      expect(encodedKey).not.toContain('PRIVATE');
    });

    it('caches with the managed CachingOptimized policy (signed-URL query parameters are not in the cache key)', () => {
      expect(photoDist().defaultCacheBehavior.cachePolicyId).toBe('658327ea-f89d-4fab-a63d-7e88639e58f6');
    });

    it("passes S3 the original's signed download name (response-content-disposition) and nothing else", () => {
      const policy = one('aws:cloudfront/originRequestPolicy:OriginRequestPolicy', 'PhotoDownloadNames');
      expect(photoDist().defaultCacheBehavior.originRequestPolicyId).toBe('PhotoDownloadNames-id');
      expect(policy.inputs).toMatchObject({
        cookiesConfig: { cookieBehavior: 'none' },
        headersConfig: { headerBehavior: 'none' },
        queryStringsConfig: { queryStringBehavior: 'whitelist', queryStrings: { items: ['response-content-disposition'] } },
      });
    });

    it('bucket policy lets only this distribution read users/* (AWS:SourceArn), and the bucket stays private', () => {
      const bucket = one('aws:s3/bucket:Bucket', 'PhotosBucket').inputs.bucket as string;
      const policy = JSON.parse(one('aws:s3/bucketPolicy:BucketPolicy', 'PhotosPolicy').inputs.policy) as { Statement: Inputs[] };
      const allows = policy.Statement.filter((s) => s.Effect === 'Allow');
      expect(allows).toEqual([
        {
          Sid: 'PhotoCdnReadsUserObjects',
          Effect: 'Allow',
          Principal: { Service: 'cloudfront.amazonaws.com' },
          Action: 's3:GetObject',
          Resource: `arn:aws:s3:::${bucket}/users/*`,
          Condition: { StringEquals: { 'AWS:SourceArn': 'arn:aws:cloudfront::123456789012:distribution/PhotoCdnDistribution-id' } },
        },
      ]);
      // Not the API's distribution.
      expect(JSON.stringify(allows)).not.toContain('distribution/CdnDistribution-id');
      expect(one('aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock', 'PhotosPublicAccessBlock').inputs).toMatchObject({
        blockPublicPolicy: true,
        restrictPublicBuckets: true,
      });
    });

    it('is exported as the photoCdn output', () => {
      expect(mock.outputs.photoCdn).toBe('https://dphotocdndistribution.cloudfront.net');
    });
  });

  describe('alarms', () => {
    const topicArn = () => 'arn:aws:sns:us-east-1:123456789012:AlarmTopic-test';

    it('notify an SNS topic (with the optional e-mail subscription)', () => {
      one('aws:sns/topic:Topic', 'AlarmTopic');
      expect(one('aws:sns/topicSubscription:TopicSubscription', 'AlarmEmail').inputs).toMatchObject({
        protocol: 'email',
        endpoint: 'ops@photos.test.example',
        topic: topicArn(),
      });
      const alarms = all('aws:cloudwatch/metricAlarm:MetricAlarm');
      expect(alarms.map((a) => a.name).sort()).toEqual(['Api5xxRateAlarm', 'ApiCpuHighAlarm', 'JobsDlqNotEmptyAlarm']);
      for (const alarm of alarms) expect(alarm.inputs.alarmActions).toEqual([topicArn()]);
    });

    it('ALB target 5xx rate above 1% over 5 minutes (metric math)', () => {
      const alarm = one('aws:cloudwatch/metricAlarm:MetricAlarm', 'Api5xxRateAlarm').inputs;
      const arnSuffix = `app/${one('aws:lb/loadBalancer:LoadBalancer', 'ApiLoadBalancer').inputs.name}/0123456789abcdef`;
      expect(alarm).toMatchObject({ comparisonOperator: 'GreaterThanThreshold', threshold: 1, evaluationPeriods: 1 });
      const queries = alarm.metricQueries as { id: string; expression?: string; returnData?: boolean; metric?: Inputs }[];
      const byId = Object.fromEntries(queries.map((q) => [q.id, q]));
      const expression = queries.find((q) => q.returnData)!.expression!;
      const metricIds = queries.filter((q) => q.metric).map((q) => q.id);
      const errorsId = metricIds.find((id) => byId[id]!.metric!.metricName === 'HTTPCode_Target_5XX_Count')!;
      const requestsId = metricIds.find((id) => byId[id]!.metric!.metricName === 'RequestCount')!;
      expect(expression).toContain(`100 * ${errorsId} / ${requestsId}`);
      for (const id of [errorsId, requestsId]) {
        expect(byId[id]!.metric).toMatchObject({
          namespace: 'AWS/ApplicationELB',
          period: 300,
          stat: 'Sum',
          dimensions: { LoadBalancer: arnSuffix },
        });
      }
    });

    it('Jobs DLQ not empty', () => {
      const alarm = one('aws:cloudwatch/metricAlarm:MetricAlarm', 'JobsDlqNotEmptyAlarm').inputs;
      expect(alarm).toMatchObject({
        namespace: 'AWS/SQS',
        metricName: 'ApproximateNumberOfMessagesVisible',
        dimensions: { QueueName: one('aws:sqs/queue:Queue', 'JobsDlqQueue').inputs.name },
        comparisonOperator: 'GreaterThanThreshold',
        threshold: 0,
      });
    });

    it('ECS service CPU above 80%', () => {
      const alarm = one('aws:cloudwatch/metricAlarm:MetricAlarm', 'ApiCpuHighAlarm').inputs;
      expect(alarm).toMatchObject({
        namespace: 'AWS/ECS',
        metricName: 'CPUUtilization',
        dimensions: { ClusterName: one('aws:ecs/cluster:Cluster', 'ClusterCluster').inputs.name, ServiceName: 'Api' },
        statistic: 'Average',
        comparisonOperator: 'GreaterThanThreshold',
        threshold: 80,
      });
    });
  });
});
