import {
  ALGORITHM,
  MAX_PRESIGN_SECONDS,
  UNSIGNED_PAYLOAD,
  amzDate,
  credentialScope,
  deriveSigningKey,
  encodeKeyPath,
  isCanonicalHeaderValue,
  signQuery,
  uriEncode,
} from './sigv4.js';
import { SHA256_BASE64 } from '../lib/checksum.js';

/**
 * Narrow S3 presigned URLs (SigV4 query signing) at ~15 µs each: the SDK's
 * getSignedUrl costs ~700 µs a URL, most of it middleware; the signing itself is one SHA-256 and
 * one HMAC once the derived signing key is cached (it only changes with the date or credentials).
 *
 * What a presigned PUT binds (all signed, so S3 itself answers 403 to anything else):
 * - the key (server-generated, under the user's prefix: the caller's business),
 * - `content-type` and `content-length`: another type or a body of another size is refused,
 * - `x-amz-checksum-sha256` as a signed *header*: S3 computes the checksum of the body it receives
 *   and rejects the upload when it differs from the header (S3 User Guide, "Checking object
 *   integrity for data uploads"). It must be a header, not a query parameter: hoisted into the
 *   query as `X-Amz-Checksum-Sha256` it is ignored (aws/aws-sdk-go-v2#2610, aws/aws-sdk#480); and
 *   it must be signed, since S3 refuses presigned requests with unsigned `x-amz-*` headers ("There
 *   were headers present in the request which were not signed", aws/aws-sdk-js-v3#3906; the SDK's
 *   fix is `unhoistableHeaders: new Set(['x-amz-checksum-sha256'])`).
 *   `x-amz-sdk-checksum-algorithm` is not needed: S3 ignores it when an individual checksum header
 *   is present (PutObject API reference), so we neither sign nor hand it out; a client sending it
 *   anyway would meet that unsigned-header refusal.
 * Local emulators do not check the SHA-256 value: the upload pipeline re-verifies it itself.
 */

export interface PresignerCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** Temporary credentials: a URL stops working when they expire, so expiresAt is capped by it. */
  expiration?: Date;
}

/** Called for every URL: pass a memoizing provider (the SDK's are, e.g. `s3Client.config.credentials`). */
export type PresignerCredentialsProvider = () => Promise<PresignerCredentials>;

export interface PresignerOptions {
  /** Custom endpoint (local S3, S3-compatible): path-style URLs `<endpoint>/<bucket>/<key>`. */
  endpoint?: string;
  region: string;
  bucket: string;
  credentials: PresignerCredentialsProvider;
  /** Epoch milliseconds; tests move it. */
  now?: () => number;
}

export interface PresignPutInput {
  key: string;
  contentType: string;
  contentLength: number;
  /** Base64 of the body's 32-byte SHA-256 digest. */
  sha256Base64: string;
  expiresInSeconds: number;
}

export interface PresignUploadPartInput {
  key: string;
  uploadId: string;
  /** 1 to 10000. */
  partNumber: number;
  /** Signed when given: the part must then be exactly this size. */
  contentLength?: number;
  expiresInSeconds: number;
}

export interface PresignGetInput {
  key: string;
  expiresInSeconds: number;
  responseContentType?: string;
  responseContentDisposition?: string;
  /**
   * Sign as of this time (epoch ms or Date) instead of now. Rounding it down to a window (say
   * 15 minutes) makes the URL for one photo identical throughout the window, so phones and CDNs
   * can cache it; the URL then lives between expiresIn - window and expiresIn from the request.
   */
  signingTime?: number | Date;
}

export interface PresignedRequest<H extends Record<string, string>> {
  method: 'PUT' | 'GET';
  url: string;
  /** Exactly these headers, with exactly these values, must accompany the request. */
  headers: H;
  expiresAt: Date;
}

export type PresignedPut = PresignedRequest<{ 'content-type': string; 'content-length': string; 'x-amz-checksum-sha256': string }> & {
  method: 'PUT';
};
export type PresignedUploadPart = PresignedRequest<{ 'content-length'?: string }> & { method: 'PUT' };
export type PresignedGet = PresignedRequest<Record<string, never>> & { method: 'GET' };

export interface S3Presigner {
  presignPut(input: PresignPutInput): Promise<PresignedPut>;
  presignUploadPart(input: PresignUploadPartInput): Promise<PresignedUploadPart>;
  presignGet(input: PresignGetInput): Promise<PresignedGet>;
}

const SERVICE = 's3';
/** S3's largest single PUT and largest multipart part. */
export const MAX_PUT_BYTES = 5 * 1024 ** 3;
/** Anything but printable ASCII and U+00A0 onwards: C0, DEL and C1 control characters. */
const CONTROL = /[^ -~\u00a0-\uffff]/;

const PUT_SIGNED_HEADERS = 'content-length;content-type;host;x-amz-checksum-sha256';
const ENCODED_SIGNED_HEADERS: Record<string, string> = {
  [PUT_SIGNED_HEADERS]: uriEncode(PUT_SIGNED_HEADERS),
  'content-length;host': uriEncode('content-length;host'),
  host: 'host',
};

interface CachedKey {
  key: Buffer;
  /** uriEncode(`<access key id>/<scope>`) */
  credential: string;
  scope: string;
}

/**
 * Derived signing keys for the current credentials, by date (at most two dates: today and the
 * window a rounded signingTime may still fall in). Reset when the access key id, secret or
 * session token changes (rotation).
 */
class SigningKeyCache {
  private accessKeyId = '';
  private secretAccessKey = '';
  private sessionToken: string | undefined;
  private encodedToken: string | undefined;
  private readonly byDate = new Map<string, CachedKey>();

  constructor(private readonly region: string) {}

  get(credentials: PresignerCredentials, shortDate: string): CachedKey {
    if (
      credentials.accessKeyId !== this.accessKeyId ||
      credentials.secretAccessKey !== this.secretAccessKey ||
      credentials.sessionToken !== this.sessionToken
    ) {
      if (!credentials.accessKeyId || !credentials.secretAccessKey) throw new TypeError('presigner: credentials without an access key');
      this.byDate.clear();
      this.accessKeyId = credentials.accessKeyId;
      this.secretAccessKey = credentials.secretAccessKey;
      this.sessionToken = credentials.sessionToken;
      this.encodedToken = credentials.sessionToken ? uriEncode(credentials.sessionToken) : undefined;
    }
    let cached = this.byDate.get(shortDate);
    if (cached === undefined) {
      if (this.byDate.size >= 2) this.byDate.delete(this.byDate.keys().next().value!);
      const scope = credentialScope(shortDate, this.region, SERVICE);
      cached = {
        key: deriveSigningKey(this.secretAccessKey, shortDate, this.region, SERVICE),
        credential: uriEncode(`${this.accessKeyId}/${scope}`),
        scope,
      };
      this.byDate.set(shortDate, cached);
    }
    return cached;
  }

  get token(): string | undefined {
    return this.encodedToken;
  }
}

interface Target {
  origin: string;
  host: string;
  /** Encoded path prefix before the key's `/`: `/<bucket>` path-style, '' virtual-hosted. */
  basePath: string;
}

function target(options: PresignerOptions): Target {
  const bucket = options.bucket;
  if (!bucket) throw new TypeError('presigner: bucket is required');
  if (options.endpoint !== undefined) {
    const url = new URL(options.endpoint);
    if (url.search || url.hash) throw new TypeError('presigner: the endpoint must not carry a query or fragment');
    const prefix = url.pathname.replace(/\/+$/, '');
    // url.host omits the port when it is the scheme's default, as the Host header does.
    return { origin: `${url.protocol}//${url.host}`, host: url.host, basePath: `${prefix}/${uriEncode(bucket)}` };
  }
  const domain = options.region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  const regional = `s3.${options.region}.${domain}`;
  // Dotted bucket names break TLS on virtual-hosted names (the wildcard certificate covers one label).
  if (bucket.includes('.')) return { origin: `https://${regional}`, host: regional, basePath: `/${uriEncode(bucket)}` };
  const host = `${bucket}.${regional}`;
  return { origin: `https://${host}`, host, basePath: '' };
}

function checkKey(key: string): string {
  if (typeof key !== 'string' || key.length === 0) throw new TypeError('presigner: the key must be a non-empty string');
  if (Buffer.byteLength(key, 'utf8') > 1024) throw new RangeError('presigner: S3 keys are at most 1024 bytes of UTF-8');
  // URL parsers (fetch, browsers) resolve `.` and `..` segments, and `%2E` counts as a dot there:
  // the request would name another object than the one signed.
  for (const segment of key.split('/')) {
    if (segment === '.' || segment === '..') throw new TypeError('presigner: key segments "." and ".." do not survive URL normalisation');
  }
  try {
    return encodeKeyPath(key);
  } catch {
    throw new TypeError('presigner: the key is not valid UTF-16 (lone surrogate)');
  }
}

function checkExpires(seconds: number): void {
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_PRESIGN_SECONDS) {
    throw new RangeError(`presigner: expiresInSeconds must be an integer from 1 to ${MAX_PRESIGN_SECONDS}`);
  }
}

function checkLength(length: number): void {
  if (!Number.isSafeInteger(length) || length < 0 || length > MAX_PUT_BYTES) {
    throw new RangeError(`presigner: contentLength must be an integer from 0 to ${MAX_PUT_BYTES}`);
  }
}

function checkParam(name: string, value: string): void {
  if (typeof value !== 'string' || value.length === 0 || CONTROL.test(value)) {
    throw new TypeError(`presigner: ${name} must be a non-empty string without control characters`);
  }
}

export function createPresigner(options: PresignerOptions): S3Presigner {
  const { origin, host, basePath } = target(options);
  const keys = new SigningKeyCache(options.region);
  const now = options.now ?? Date.now;
  const credentials = options.credentials;

  /**
   * `extraQuery`: the request's own parameters, encoded and in canonical order. Their names are
   * lower-case (partNumber, response-*, uploadId), so they sort after every `X-Amz-*` one: the
   * canonical query is built in order rather than sorted.
   */
  async function sign(
    method: 'PUT' | 'GET',
    encodedKey: string,
    extraQuery: string,
    headers: (readonly [string, string])[],
    signedHeaders: string,
    expiresInSeconds: number,
    signingTime: number,
  ): Promise<{ url: string; expiresAt: Date }> {
    const creds = await credentials();
    const time = Math.floor(signingTime / 1000) * 1000;
    if (!Number.isFinite(time)) throw new RangeError('presigner: invalid signing time');
    const date = amzDate(time);
    const cached = keys.get(creds, date.short);
    const token = keys.token;
    const query =
      `X-Amz-Algorithm=${ALGORITHM}&X-Amz-Content-Sha256=${UNSIGNED_PAYLOAD}&X-Amz-Credential=${cached.credential}` +
      `&X-Amz-Date=${date.long}&X-Amz-Expires=${expiresInSeconds}` +
      (token === undefined ? '' : `&X-Amz-Security-Token=${token}`) +
      `&X-Amz-SignedHeaders=${ENCODED_SIGNED_HEADERS[signedHeaders]}` +
      (extraQuery ? `&${extraQuery}` : '');
    const canonicalUri = `${basePath}/${encodedKey}`;
    const signature = signQuery({
      method,
      canonicalUri,
      canonicalQuery: query,
      headers,
      signedHeaders,
      longDate: date.long,
      scope: cached.scope,
      signingKey: cached.key,
    });
    let expiresAt = time + expiresInSeconds * 1000;
    const credentialsExpire = creds.expiration?.getTime();
    if (credentialsExpire !== undefined && credentialsExpire < expiresAt) expiresAt = credentialsExpire;
    return { url: `${origin}${canonicalUri}?${query}&X-Amz-Signature=${signature}`, expiresAt: new Date(expiresAt) };
  }

  return {
    async presignPut(input) {
      const encodedKey = checkKey(input.key);
      checkExpires(input.expiresInSeconds);
      checkLength(input.contentLength);
      if (typeof input.contentType !== 'string' || input.contentType.length > 255 || !isCanonicalHeaderValue(input.contentType)) {
        throw new TypeError('presigner: contentType must be printable ASCII without leading, trailing or repeated spaces');
      }
      if (typeof input.sha256Base64 !== 'string' || !SHA256_BASE64.test(input.sha256Base64)) {
        throw new TypeError('presigner: sha256Base64 must be the base64 of a 32-byte SHA-256 digest');
      }
      const length = String(input.contentLength);
      const { url, expiresAt } = await sign(
        'PUT',
        encodedKey,
        '',
        [
          ['content-length', length],
          ['content-type', input.contentType],
          ['host', host],
          ['x-amz-checksum-sha256', input.sha256Base64],
        ],
        PUT_SIGNED_HEADERS,
        input.expiresInSeconds,
        now(),
      );
      return {
        method: 'PUT',
        url,
        headers: { 'content-type': input.contentType, 'content-length': length, 'x-amz-checksum-sha256': input.sha256Base64 },
        expiresAt,
      };
    },

    async presignUploadPart(input) {
      const encodedKey = checkKey(input.key);
      checkExpires(input.expiresInSeconds);
      checkParam('uploadId', input.uploadId);
      if (!Number.isInteger(input.partNumber) || input.partNumber < 1 || input.partNumber > 10000) {
        throw new RangeError('presigner: partNumber must be an integer from 1 to 10000');
      }
      const query = `partNumber=${input.partNumber}&uploadId=${uriEncode(input.uploadId)}`;
      const sized = input.contentLength !== undefined;
      if (sized) checkLength(input.contentLength!);
      const length = sized ? String(input.contentLength) : '';
      const { url, expiresAt } = await sign(
        'PUT',
        encodedKey,
        query,
        sized ? [['content-length', length], ['host', host]] : [['host', host]],
        sized ? 'content-length;host' : 'host',
        input.expiresInSeconds,
        now(),
      );
      return { method: 'PUT', url, headers: sized ? { 'content-length': length } : {}, expiresAt };
    },

    async presignGet(input) {
      const encodedKey = checkKey(input.key);
      checkExpires(input.expiresInSeconds);
      // Canonical order: response-content-disposition < response-content-type.
      let query = '';
      if (input.responseContentDisposition !== undefined) {
        checkParam('responseContentDisposition', input.responseContentDisposition);
        query = `response-content-disposition=${uriEncode(input.responseContentDisposition)}`;
      }
      if (input.responseContentType !== undefined) {
        checkParam('responseContentType', input.responseContentType);
        query += `${query ? '&' : ''}response-content-type=${uriEncode(input.responseContentType)}`;
      }
      const at = input.signingTime === undefined ? now() : +input.signingTime;
      const { url, expiresAt } = await sign('GET', encodedKey, query, [['host', host]], 'host', input.expiresInSeconds, at);
      return { method: 'GET', url, headers: {}, expiresAt };
    },
  };
}
