import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { uriEncode } from '../aws/sigv4.js';
import { attachmentDisposition, URL_EXPIRES_SECONDS, URL_WINDOW_MS, urlWindowStart, type PhotoUrlSigner } from './url-signer.js';

/**
 * CloudFront signed URLs with a custom policy whose resource is a wildcard over the user's prefix
 * (`https://<domain>/users/<userId>/*`) and whose DateLessThan is the window start + URL_EXPIRES_SECONDS.
 *
 * One RSA signature (~1 ms) therefore covers every object of one user for one URL window: the
 * (scope, window) -> {Policy, Signature} pair is kept in a small LRU, and a timeline page of 50
 * thumbnails costs one signature and 49 string concatenations. Every URL of a key is identical for
 * the whole window, so phones and CloudFront can cache it (the distribution's cache policy leaves
 * the query string out of the cache key).
 *
 * Signatures are PKCS#1 v1.5 over the policy JSON, SHA-1 by default (what CloudFront has always
 * accepted for trusted key groups) or SHA-256 (CloudFront then needs `Hash-Algorithm=SHA256`).
 * Base64 uses CloudFront's URL-safe replacements: `+` -> `-`, `=` -> `_`, `/` -> `~`.
 *
 * Keys outside `users/<userId>/`, or whose user id has characters other than [A-Za-z0-9._~-] or starts
 * with a dot (characters that could act as policy wildcards, be matched differently once
 * percent-encoded, or form a dot segment), get an exact-URL policy instead: still correct, cached the
 * same way, just one signature per key and window.
 *
 * Anyone holding one of a user's URLs can reuse its Policy/Signature on any path under that user's
 * prefix until it expires: the same 20-minute bearer semantics as a presigned URL, widened from one
 * object to the user's own objects.
 *
 * A download name adds `response-content-disposition=<attachmentDisposition>` before the signature
 * parameters (CloudFront wants its own last). The wildcard policy covers it (`*` matches the query
 * too), so it costs no signature; an exact-URL policy signs it. CloudFront passes it on to S3 only
 * when the distribution's origin request policy forwards that query string (S3 then honours it, as
 * the origin access control signs the request); the cache policy may leave it out of the cache key,
 * since one key always carries the same name.
 */
export interface CloudFrontUrlSignerOptions {
  /** Distribution domain (`d111111abcdef8.cloudfront.net` or a custom domain); no scheme, no path. */
  domain: string;
  /** Id of the CloudFront public key (in the distribution's trusted key group) matching the private key. */
  keyPairId: string;
  /** RSA private key: PEM text, or a KeyObject parsed once by the caller. */
  privateKey: string | KeyObject;
  hashAlgorithm?: 'SHA1' | 'SHA256';
  /** Cached (scope, window) signatures kept at most (oldest evicted first). Default 5000. */
  maxEntries?: number;
}

interface Signed {
  windowMs: number;
  /** `Policy=...&Signature=...&Key-Pair-Id=...[&Hash-Algorithm=SHA256]`, ready to append. */
  query: string;
}

/** `users/<userId>/...` with a user id of unreserved characters that is not a dot segment. */
const USER_KEY = /^users\/([A-Za-z0-9_~-][A-Za-z0-9._~-]*)\//;

/** CloudFront's URL-safe base64: `+` -> `-`, `=` -> `_`, `/` -> `~`. */
export function cloudFrontBase64(data: Buffer | string): string {
  return Buffer.from(data).toString('base64').replace(/\+/g, '-').replace(/=/g, '_').replace(/\//g, '~');
}

/** Inverse of cloudFrontBase64. */
export function fromCloudFrontBase64(text: string): Buffer {
  return Buffer.from(text.replace(/-/g, '+').replace(/_/g, '=').replace(/~/g, '/'), 'base64');
}

/** Percent-encodes each path segment (RFC 3986 unreserved characters kept, `/` kept between segments). */
export function encodeKeyPath(key: string): string {
  return key
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/');
}

/** The policy JSON signed for a resource (exactly these bytes are base64'd into `Policy`). */
export function customPolicy(resource: string, dateLessThanEpochSeconds: number): string {
  return JSON.stringify({ Statement: [{ Resource: resource, Condition: { DateLessThan: { 'AWS:EpochTime': dateLessThanEpochSeconds } } }] });
}

export class CloudFrontUrlSigner implements PhotoUrlSigner {
  private readonly origin: string;
  private readonly key: KeyObject;
  private readonly hash: 'sha1' | 'sha256';
  private readonly maxEntries: number;
  private readonly cache = new Map<string, Signed>();
  /** download name -> its encoded query parameter; the names of the photos being listed, bounded like the cache. */
  private readonly dispositions = new Map<string, string>();
  private newestWindowMs = 0;
  private signatures = 0;

  constructor(private readonly options: CloudFrontUrlSignerOptions) {
    if (!/^[A-Za-z0-9.-]+(:\d+)?$/.test(options.domain)) throw new TypeError(`CloudFront domain must be a host name, got ${JSON.stringify(options.domain)}`);
    if (!/^[A-Za-z0-9]+$/.test(options.keyPairId)) throw new TypeError('CloudFront key pair id must be alphanumeric');
    this.origin = `https://${options.domain}`;
    this.key = typeof options.privateKey === 'string' ? createPrivateKey(options.privateKey) : options.privateKey;
    if (this.key.type !== 'private' || this.key.asymmetricKeyType !== 'rsa') throw new TypeError('CloudFront URL signing needs an RSA private key');
    this.hash = options.hashAlgorithm === 'SHA256' ? 'sha256' : 'sha1';
    this.maxEntries = Math.max(1, options.maxEntries ?? 5000);
  }

  /** RSA signatures computed so far (the cache's misses). */
  get signatureCount(): number {
    return this.signatures;
  }

  /** Cached (scope, window) entries. */
  get cacheSize(): number {
    return this.cache.size;
  }

  signGet(key: string, windowStart: Date, downloadName?: string): string {
    const windowMs = urlWindowStart(windowStart).getTime();
    const url = `${this.origin}/${encodeKeyPath(key)}${downloadName === undefined ? '' : `?${this.dispositionQuery(downloadName)}`}`;
    const user = USER_KEY.exec(key);
    const resource = user ? `${this.origin}/users/${user[1]}/*` : url;
    return `${url}${downloadName === undefined ? '?' : '&'}${this.signedQuery(resource, windowMs)}`;
  }

  private dispositionQuery(downloadName: string): string {
    let query = this.dispositions.get(downloadName);
    if (query === undefined) {
      query = `response-content-disposition=${uriEncode(attachmentDisposition(downloadName))}`;
      if (this.dispositions.size >= this.maxEntries) this.dispositions.delete(this.dispositions.keys().next().value!);
      this.dispositions.set(downloadName, query);
    }
    return query;
  }

  private signedQuery(resource: string, windowMs: number): string {
    const cacheKey = `${windowMs} ${resource}`;
    const hit = this.cache.get(cacheKey);
    if (hit) {
      // Refresh its place in the LRU order.
      this.cache.delete(cacheKey);
      this.cache.set(cacheKey, hit);
      return hit.query;
    }
    const policy = customPolicy(resource, Math.floor(windowMs / 1000) + URL_EXPIRES_SECONDS);
    const signature = sign(this.hash, Buffer.from(policy), this.key);
    this.signatures++;
    const query =
      `Policy=${cloudFrontBase64(policy)}&Signature=${cloudFrontBase64(signature)}&Key-Pair-Id=${this.options.keyPairId}` +
      (this.hash === 'sha256' ? '&Hash-Algorithm=SHA256' : '');
    this.remember(cacheKey, { windowMs, query });
    return query;
  }

  private remember(cacheKey: string, entry: Signed): void {
    if (entry.windowMs > this.newestWindowMs) {
      this.newestWindowMs = entry.windowMs;
      // Windows before the previous one are never asked for again (the previous one is kept for
      // requests that read the clock just before the boundary).
      for (const [k, v] of this.cache) if (v.windowMs < entry.windowMs - URL_WINDOW_MS) this.cache.delete(k);
    }
    this.cache.set(cacheKey, entry);
    while (this.cache.size > this.maxEntries) {
      const oldest = this.cache.keys().next().value as string;
      this.cache.delete(oldest);
    }
  }
}
