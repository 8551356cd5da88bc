import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { BuildMiddleware, MetadataBearer } from '@smithy/types';
import type { AppConfig } from '../config.js';
import { clientOptions, type HealthCheck } from './client-options.js';

export function createS3Client(config: AppConfig): S3Client {
  const endpoint = config.aws.endpoints.s3;
  const client = new S3Client({
    ...clientOptions(config, 's3'),
    forcePathStyle: endpoint !== undefined,
    // The SDK's default flexible checksums put a CRC of an empty body into presigned PUT URLs
    // and aws-chunked framing into streamed uploads; we sign SHA-256 ourselves where it matters.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  if (endpoint !== undefined) client.middlewareStack.add(stripBucketSlash, { step: 'build', name: 'stripBucketSlash' });
  return client;
}

/**
 * Path-style bucket-level requests are signed as `/bucket/`; the local S3 server verifies `/bucket`
 * and answers SignatureDoesNotMatch. AWS accepts both, so dropping the slash is harmless anywhere.
 */
const stripBucketSlash: BuildMiddleware<object, MetadataBearer> = (next) => async (args) => {
  const request = args.request as { path?: string };
  if (typeof request.path === 'string' && /^\/[^/]+\/$/.test(request.path)) {
    request.path = request.path.slice(0, -1);
  }
  return next(args);
};

export function s3HealthCheck(client: S3Client, bucket: string): HealthCheck {
  return {
    name: 's3',
    async check(abortSignal) {
      await client.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal });
    },
  };
}
