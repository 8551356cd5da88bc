import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import Module from 'node:module';
import path from 'node:path';
import { DEV_CORS_ORIGINS } from '../env-schema.js';
import type { LocalService } from './service.js';

// @20minutes/s3rver ships no types; this is the part of its API we use.
interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;

const AUTHENTICATION_MODULE = '@20minutes/s3rver/lib/middleware/authentication.js';
const QUERY_VALUE_ENCODING = '[param, value].map(encodeURIComponent)';

/**
 * S3 canonicalizes a presigned URL's query values with RFC 3986 encoding (`!'()*` encoded too); s3rver 4.0.4
 * re-encodes them with encodeURIComponent, which leaves those five as they are, so it refuses valid
 * signatures over values holding them: every `response-content-disposition` with `filename*=UTF-8''…`
 * (the download name of a non-ASCII photo) or a name such as "IMG (1).jpg". Real S3 accepts those URLs
 * (test/aws/s3-presigner.test.ts checks them against the SDK's own signer). Until s3rver fixes it, its
 * authentication middleware is loaded here with the RFC 3986 encoder it already uses for paths; a version
 * without that line stops the stack with this explanation rather than silently refusing downloads.
 */
function loadS3rverWithRfc3986QueryValues(): S3rverConstructor {
  const file = require.resolve(AUTHENTICATION_MODULE);
  if (!require.cache[file]) {
    const source = readFileSync(file, 'utf8');
    if (!source.includes(QUERY_VALUE_ENCODING)) {
      throw new Error(`${AUTHENTICATION_MODULE} changed: check whether its query value encoding still needs the fix in src/local/s3.ts`);
    }
    const fixed = new Module(file, module) as Module & { _compile(code: string, filename: string): void };
    fixed.filename = file;
    fixed.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(file));
    fixed._compile(source.replace(QUERY_VALUE_ENCODING, '[param, value].map(encodeURIComponentRFC3986)'), file);
    fixed.loaded = true;
    require.cache[file] = fixed;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@20minutes/s3rver') as S3rverConstructor;
}

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
      const S3rver = loadS3rverWithRfc3986QueryValues();
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
