import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { encodeKeyPath, uriEncode } from '../aws/sigv4.js';
import { attachmentDisposition, URL_EXPIRES_SECONDS, URL_WINDOW_MS, urlWindowStart, type PhotoUrlSigner, type UrlScope } from './url-signer.js';

export { encodeKeyPath };

/**
 * CloudFront signed URLs, two kinds by scope (docs/sharing.md, "What a shared URL opens"):
 *
 * - `owner` (the objects' owner): a custom policy whose resource is a wildcard over the user's prefix
 *   (`https://<domain>/users/<userId>/*`). One RSA signature (~0.3 ms) covers every object of the user
 *   for one URL window, so a timeline page of 150 URLs costs one signature and string concatenations.
 *   Anyone holding one of these URLs can reuse its Policy/Signature on any path (and query) under that
 *   prefix until it expires: fine for the owner, who may open all of them anyway.
 * - `object` (album members, share link holders): a canned policy (`Expires=`), whose statement
 *   CloudFront rebuilds from the URL it is asked for, so the signature verifies for the byte-identical
 *   URL only: its path and its query (the download name) minus the signing parameters. Chosen over a
 *   custom policy with an exact resource because (1) that resource would still be matched with
 *   wildcards, and the `?` before `response-content-disposition` is itself a one-character wildcard
 *   (`.../p1?response-...` also matches the path `.../p1Xresponse-...`); a canned policy has no
 *   pattern at all; (2) the URL carries no Policy (the URL again, base64'd): a third shorter (a
 *   thumbnail's ~535 characters instead of ~780), and a page's 150 URLs are the bulk of its JSON;
 *   (3) the signed bytes are the same statement, so the cost is the same. Nothing only a custom policy
 *   offers (a start date, an IP range) is used.
 *
 * Signatures are cached per (kind, resource, window) in one bounded LRU; an object URL is the same for
 * every viewer of the photo, so all its members and link holders share one signature per object per
 * window (per instance). Every URL of a key is identical for the whole window, so phones and
 * CloudFront can cache it (the distribution's cache policy leaves the query string out of the cache key).
 *
 * Owner keys outside `users/<userId>/`, or whose user id has characters other than [A-Za-z0-9._~-] or
 * starts with a dot (characters that could act as policy wildcards, be matched differently once
 * percent-encoded, or form a dot segment), get a canned exact-URL signature too.
 *
 * Signatures are PKCS#1 v1.5 over the policy JSON, SHA-1 by default (what CloudFront has always
 * accepted for trusted key groups) or SHA-256 (CloudFront then needs `Hash-Algorithm=SHA256`, for both
 * kinds). Base64 uses CloudFront's URL-safe replacements: `+` -> `-`, `=` -> `_`, `/` -> `~`.
 *
 * A download name adds `response-content-disposition=<attachmentDisposition>` before the signature
 * parameters (CloudFront wants its own last). The owner's wildcard covers it (`*` matches the query
 * too), so it costs no signature; a canned URL signs it, so another name is another URL. CloudFront
 * passes it on to S3 only when the distribution's origin request policy forwards that query string
 * (S3 then honours it, as the origin access control signs the request); the cache policy may leave it
 * out of the cache key, since one key always carries the same name.
 */
export interface CloudFrontUrlSignerOptions {
  /** Distribution domain (`d111111abcdef8.cloudfront.net` or a custom domain); no scheme, no path. */
  domain: string;
  /** Id of the CloudFront public key (in the distribution's trusted key group) matching the private key. */
  keyPairId: string;
  /** RSA private key: PEM text, or a KeyObject parsed once by the caller. */
  privateKey: string | KeyObject;
  hashAlgorithm?: 'SHA1' | 'SHA256';
  /**
   * Cached signatures kept at most, least recently used evicted first: one per (owner, window) and one
   * per (object URL, window). Default 20,000: ~8 MB (~400 bytes an entry, measured with heapUsed).
   */
  maxEntries?: number;
}

interface Signed {
  windowMs: number;
  /** `Policy=...&Signature=...&Key-Pair-Id=...[&Hash-Algorithm=SHA256]` (or `Expires=...&...`), ready to append. */
  query: string;
  /** The cache's insertion count when this entry last went to the newest end of the LRU order. */
  placedAt: number;
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

/**
 * The policy statement signed for a resource: a custom policy's `Policy` (base64'd), and, with the URL as
 * its resource, exactly the statement CloudFront rebuilds for a canned-policy URL (same keys, same order,
 * no whitespace), whose DateLessThan is its `Expires`.
 */
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
  private placements = 0;

  constructor(private readonly options: CloudFrontUrlSignerOptions) {
    if (!/^[A-Za-z0-9.-]+(:\d+)?$/.test(options.domain)) throw new TypeError(`CloudFront domain must be a host name, got ${JSON.stringify(options.domain)}`);
    if (!/^[A-Za-z0-9]+$/.test(options.keyPairId)) throw new TypeError('CloudFront key pair id must be alphanumeric');
    this.origin = `https://${options.domain}`;
    this.key = typeof options.privateKey === 'string' ? createPrivateKey(options.privateKey) : options.privateKey;
    if (this.key.type !== 'private' || this.key.asymmetricKeyType !== 'rsa') throw new TypeError('CloudFront URL signing needs an RSA private key');
    this.hash = options.hashAlgorithm === 'SHA256' ? 'sha256' : 'sha1';
    this.maxEntries = Math.max(1, options.maxEntries ?? 20_000);
  }

  /** RSA signatures computed so far (the cache's misses). */
  get signatureCount(): number {
    return this.signatures;
  }

  /** Cached (owner or object URL, window) entries. */
  get cacheSize(): number {
    return this.cache.size;
  }

  signGet(key: string, windowStart: Date, downloadName?: string, scope: UrlScope = 'owner'): string {
    const windowMs = urlWindowStart(windowStart).getTime();
    const url = `${this.origin}/${encodeKeyPath(key)}${downloadName === undefined ? '' : `?${this.dispositionQuery(downloadName)}`}`;
    const separator = downloadName === undefined ? '?' : '&';
    const user = scope === 'owner' ? USER_KEY.exec(key) : null;
    if (user) return `${url}${separator}${this.signedQuery('policy', `${this.origin}/users/${user[1]}/*`, windowMs)}`;
    // Anything else names exactly this URL, query included: never a wildcard it could be widened by.
    return `${url}${separator}${this.signedQuery('canned', url, windowMs)}`;
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

  private signedQuery(kind: 'policy' | 'canned', resource: string, windowMs: number): string {
    // The kind is part of the key: a wildcard owner entry can never answer an object URL's lookup.
    const cacheKey = `${kind} ${windowMs} ${resource}`;
    const hit = this.cache.get(cacheKey);
    if (hit) {
      // Back to the newest end of the LRU order, but only once it has drifted into the older half: a Map
      // delete leaves a hole in its key's hash chain until the next rehash, so moving the owner's entry on
      // each of a page's 150 hits made its chain, and every lookup, longer (3.7 ms a page at 3,000 entries).
      if (this.placements - hit.placedAt > this.maxEntries / 2) {
        this.cache.delete(cacheKey);
        this.place(cacheKey, hit);
      }
      return hit.query;
    }
    const expires = Math.floor(windowMs / 1000) + URL_EXPIRES_SECONDS;
    const policy = customPolicy(resource, expires);
    const signature = sign(this.hash, Buffer.from(policy), this.key);
    this.signatures++;
    const query =
      `${kind === 'policy' ? `Policy=${cloudFrontBase64(policy)}` : `Expires=${expires}`}&Signature=${cloudFrontBase64(signature)}&Key-Pair-Id=${this.options.keyPairId}` +
      (this.hash === 'sha256' ? '&Hash-Algorithm=SHA256' : '');
    this.remember(cacheKey, { windowMs, query, placedAt: 0 });
    return query;
  }

  private remember(cacheKey: string, entry: Signed): void {
    if (entry.windowMs > this.newestWindowMs) {
      this.newestWindowMs = entry.windowMs;
      // Windows before the previous one are never asked for again (the previous one is kept for
      // requests that read the clock just before the boundary).
      for (const [k, v] of this.cache) if (v.windowMs < entry.windowMs - URL_WINDOW_MS) this.cache.delete(k);
    }
    this.place(cacheKey, entry);
    while (this.cache.size > this.maxEntries) {
      const oldest = this.cache.keys().next().value as string;
      this.cache.delete(oldest);
    }
  }

  private place(cacheKey: string, entry: Signed): void {
    entry.placedAt = ++this.placements;
    this.cache.set(cacheKey, entry);
  }
}
