import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { HttpRequest, escapeUri } from '@smithy/core/protocols';
import { SignatureV4, getCanonicalQuery } from '@smithy/signature-v4';
import type { Checksum, SourceData } from '@smithy/types';
import { createPresigner, type PresignPutInput } from '../src/aws/s3-presigner.js';
import { quick, spread, writeResult } from './support/results.js';
import { median } from './support/stats.js';

/**
 * Presigning a batch of 50 narrow PUT URLs (content-type, content-length and x-amz-checksum-sha256
 * signed): our presigner (src/aws/s3-presigner.ts) against the SDK's getSignedUrl with the same
 * signed headers (the baseline), and @smithy/signature-v4's SignatureV4.presign called directly
 * (the signing without the SDK's middleware) as a middle reference. Alternating rounds, medians.
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (quick ? 3 : 20));
const BATCH = 50;
const SAMPLE_MS = 40; // each sample repeats the batch for about this long

const endpoint = 'http://127.0.0.1:9000';
const region = 'eu-west-3';
const bucket = 'auroravault-photos';
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE+token/==' };
const TYPES = ['image/jpeg', 'image/heic', 'image/png', 'image/webp', 'video/quicktime'];
const EXPIRES = 900;

const inputs: PresignPutInput[] = Array.from({ length: BATCH }, (_, i) => ({
  key: `u/${randomUUID()}/photos/${randomUUID()}${i % 5 === 0 ? ' (copy)' : ''}.${i % 2 ? 'jpg' : 'heic'}`,
  contentType: TYPES[i % TYPES.length]!,
  contentLength: 100_000 + Math.floor(Math.random() * 20_000_000),
  sha256Base64: createHash('sha256').update(randomBytes(64)).digest('base64'),
  expiresInSeconds: EXPIRES,
}));

class NodeSha256 implements Checksum {
  private hash;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', secret as Buffer | string);
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return this.hash.digest();
  }
  reset(): void {}
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const fixedNow = Date.now();

  // 1. Ours.
  const ours = createPresigner({ endpoint, region, bucket, credentials: async () => credentials, now: () => fixedNow });
  const oursBatch = () => Promise.all(inputs.map((input) => ours.presignPut(input).then((p) => p.url)));

  // 2. SignatureV4.presign directly, configured as the SDK configures it for S3.
  const host = new URL(endpoint).host;
  const signer = new SignatureV4({ service: 's3', region, credentials, sha256: NodeSha256, uriEscapePath: false, applyChecksum: false });
  const sigv4One = async (input: PresignPutInput) => {
    const request = new HttpRequest({
      method: 'PUT',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 9000,
      path: `/${bucket}/${input.key.split('/').map(escapeUri).join('/')}`,
      headers: {
        host,
        'content-type': input.contentType,
        'content-length': String(input.contentLength),
        'x-amz-checksum-sha256': input.sha256Base64,
        'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD',
      },
    });
    const signed = await signer.presign(request, {
      signingDate: new Date(fixedNow),
      expiresIn: EXPIRES,
      unhoistableHeaders: new Set(['x-amz-checksum-sha256']),
    });
    return `${endpoint}${signed.path}?${getCanonicalQuery(signed)}&X-Amz-Signature=${signed.query!['X-Amz-Signature'] as string}`;
  };
  const sigv4Batch = () => Promise.all(inputs.map(sigv4One));

  // 3. The SDK's getSignedUrl (the baseline), the same headers signed.
  const client = new S3Client({
    region,
    endpoint,
    forcePathStyle: true,
    credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const sdkOne = (input: PresignPutInput) =>
    getSignedUrl(
      client,
      new PutObjectCommand({
        Bucket: bucket,
        Key: input.key,
        ContentType: input.contentType,
        ContentLength: input.contentLength,
        ChecksumSHA256: input.sha256Base64,
      }),
      {
        expiresIn: EXPIRES,
        signableHeaders: new Set(['content-type', 'content-length']),
        unhoistableHeaders: new Set(['x-amz-checksum-sha256']),
      },
    );
  const sdkBatch = () => Promise.all(inputs.map(sdkOne));

  // Same work: ours must equal SignatureV4 byte for byte; the SDK must sign the same headers.
  const [a, b, c] = [await oursBatch(), await sigv4Batch(), await sdkBatch()];
  if (a.some((url, i) => url !== b[i])) throw new Error('our URLs differ from SignatureV4.presign');
  const signedBy = (url: string) => new URL(url).searchParams.get('X-Amz-SignedHeaders');
  if (c.some((url, i) => signedBy(url) !== signedBy(a[i]!))) {
    throw new Error(`the SDK signs other headers: ${signedBy(c[0]!)} vs ${signedBy(a[0]!)}`);
  }

  const methods = { ours: oursBatch, sigv4: sigv4Batch, sdk: sdkBatch };
  const reps: Record<keyof typeof methods, number> = { ours: 1, sigv4: 1, sdk: 1 };
  // Warm-up and calibration: how many batches fill one sample.
  for (const [name, batch] of Object.entries(methods) as [keyof typeof methods, () => Promise<unknown>][]) {
    let n = 0;
    const started = performance.now();
    while (performance.now() - started < SAMPLE_MS * 3) {
      await batch();
      n++;
    }
    reps[name] = Math.max(1, Math.round(n / 3));
  }

  const samples: Record<keyof typeof methods, number[]> = { ours: [], sigv4: [], sdk: [] };
  for (let round = 0; round < ROUNDS; round++) {
    // Alternating rounds, so drift in the machine's speed hits all three alike.
    for (const [name, batch] of Object.entries(methods) as [keyof typeof methods, () => Promise<unknown>][]) {
      const started = process.hrtime.bigint();
      for (let i = 0; i < reps[name]; i++) await batch();
      samples[name].push(Number(process.hrtime.bigint() - started) / 1000 / reps[name]); // µs per batch
    }
  }
  client.destroy();

  const m = { ours: median(samples.ours), sigv4: median(samples.sigv4), sdk: median(samples.sdk) };
  const row = (label: string, us: number) => `${label}${us.toFixed(0).padStart(7)} µs/batch  ${(us / BATCH).toFixed(1).padStart(6)} µs/URL`;
  console.log(`Presigning ${BATCH} PUT URLs (content-type, content-length, x-amz-checksum-sha256 signed), ${ROUNDS} rounds (medians)`);
  console.log(`  SignedHeaders: ${signedBy(a[0]!)}`);
  console.log(row('  SDK getSignedUrl (baseline):     ', m.sdk));
  console.log(row('  SignatureV4.presign directly:    ', m.sigv4));
  console.log(row('  AuroraVault presigner:           ', m.ours));
  console.log(`  getSignedUrl / ours:              ${(m.sdk / m.ours).toFixed(1)}x`);
  console.log(`  SignatureV4.presign / ours:       ${(m.sigv4 / m.ours).toFixed(1)}x`);
  writeResult('presign', {
    baseline: { description: `the SDK's getSignedUrl, a batch of ${BATCH} PUT URLs`, microsecondsPerBatch: spread(samples.sdk) },
    figures: { ours: { microsecondsPerBatch: spread(samples.ours) }, signatureV4: { microsecondsPerBatch: spread(samples.sigv4) }, baselineOverOurs: m.sdk / m.ours, signatureV4OverOurs: m.sigv4 / m.ours },
    parameters: { rounds: ROUNDS, batch: BATCH },
  });
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
