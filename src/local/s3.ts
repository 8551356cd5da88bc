import fs from 'node:fs/promises';
import { DEV_CORS_ORIGINS } from '../config.js';
import type { LocalService } from './service.js';

// @20minutes/s3rver ships no types; this is the part of its API we use.
interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;

/**
 * Browsers (the Expo web build) PUT straight to the bucket: CORS as in production, for the app's
 * origins only, exposing ETag (multipart completion needs each part's).
 */
function corsXml(origins: readonly string[]): string {
  const allowed = origins.map((origin) => `    <AllowedOrigin>${origin}</AllowedOrigin>`).join('\n');
  return `<CORSConfiguration>
  <CORSRule>
${allowed}
    <AllowedMethod>PUT</AllowedMethod>
    <AllowedMethod>GET</AllowedMethod>
    <AllowedMethod>HEAD</AllowedMethod>
    <AllowedHeader>*</AllowedHeader>
    <ExposeHeader>ETag</ExposeHeader>
    <MaxAgeSeconds>3000</MaxAgeSeconds>
  </CORSRule>
</CORSConfiguration>`;
}

/** S3 on disk: @20minutes/s3rver verifies SigV4 and presigned URLs as S3 does. */
export function localS3(options: { port: number; directory: string; bucket: string; corsOrigins?: readonly string[] }): LocalService {
  let server: S3rverInstance | undefined;
  return {
    name: 's3',
    endpoint: `http://127.0.0.1:${options.port}`,
    get running() {
      return server !== undefined;
    },
    async start() {
      if (server) return;
      await fs.mkdir(options.directory, { recursive: true });
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const S3rver = require('@20minutes/s3rver') as S3rverConstructor;
      const instance = new S3rver({
        address: '127.0.0.1',
        port: options.port,
        directory: options.directory,
        silent: true,
        vhostBuckets: false,
        configureBuckets: [{ name: options.bucket, configs: [corsXml(options.corsOrigins ?? DEV_CORS_ORIGINS)] }],
      });
      await instance.run();
      server = instance;
    },
    async stop() {
      const instance = server;
      server = undefined;
      await instance?.close();
    },
  };
}
