import { createHash, createHmac } from 'node:crypto';
import { HttpRequest, escapeUri } from '@smithy/core/protocols';
import { SignatureV4, getCanonicalQuery } from '@smithy/signature-v4';
import type { Checksum, SourceData } from '@smithy/types';

/** node:crypto behind the SDK's Checksum interface (SHA-256, or HMAC-SHA256 with a secret). */
class NodeSha256 implements Checksum {
  private hash;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret));
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return this.hash.digest();
  }
  reset(): void {
    throw new Error('not used');
  }
}

function toBuffer(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

export interface ReferenceInput {
  endpoint: string;
  region: string;
  bucket: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  method: 'PUT' | 'GET';
  key: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  signingDate: Date;
  expiresIn: number;
  /** `https://<bucket>.s3.<region>.amazonaws.com/<key>` instead of `<endpoint>/<bucket>/<key>`. */
  virtualHosted?: boolean;
}

/**
 * The same presign done by @smithy/signature-v4 (what the SDK's getSignedUrl uses underneath),
 * configured as the SDK configures it for S3: path not re-escaped (S3 signs it encoded once),
 * `X-Amz-Content-Sha256: UNSIGNED-PAYLOAD` hoisted into the query, the checksum header kept a header.
 * Returns the URL with its query in canonical order, and the signature alone.
 */
export async function referencePresign(input: ReferenceInput): Promise<{ url: string; signature: string }> {
  const endpoint = new URL(input.virtualHosted ? `https://${input.bucket}.s3.${input.region}.amazonaws.com` : input.endpoint);
  const bucketPath = input.virtualHosted ? '' : `/${escapeUri(input.bucket)}`;
  const signer = new SignatureV4({
    service: 's3',
    region: input.region,
    credentials: input.credentials,
    sha256: NodeSha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
  const request = new HttpRequest({
    method: input.method,
    protocol: endpoint.protocol,
    hostname: endpoint.hostname,
    port: endpoint.port ? Number(endpoint.port) : undefined,
    // As the SDK's serializer encodes a key (smithy's escapeUri per segment), independently of ours.
    path: `${bucketPath}/${input.key.split('/').map(escapeUri).join('/')}`,
    query: { ...input.query },
    headers: { host: endpoint.host, 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD', ...input.headers },
  });
  const presigned = await signer.presign(request, {
    signingDate: input.signingDate,
    expiresIn: input.expiresIn,
    unhoistableHeaders: new Set(['x-amz-checksum-sha256']),
  });
  const signature = presigned.query!['X-Amz-Signature'] as string;
  const url = `${endpoint.protocol}//${endpoint.host}${presigned.path}?${getCanonicalQuery(presigned)}&X-Amz-Signature=${signature}`;
  return { url, signature };
}
