import { createHmac, hash } from 'node:crypto';

/**
 * The pure parts of AWS Signature Version 4 query signing (presigned URLs), on node:crypto.
 *
 * Canonical request (one field a line):
 *   METHOD, canonical URI, canonical query (sorted, strictly encoded, without X-Amz-Signature),
 *   canonical headers (`name:value\n` each, sorted, lower-case), a blank line, signed header
 *   names joined by `;`, and the payload hash (`UNSIGNED-PAYLOAD` for presigned S3 URLs).
 * String to sign: `AWS4-HMAC-SHA256\n<X-Amz-Date>\n<date>/<region>/<service>/aws4_request\n<hex SHA-256 of the above>`.
 * Signing key: HMAC chain `AWS4<secret>` -> date -> region -> service -> `aws4_request`.
 * Signature: hex HMAC-SHA256(signing key, string to sign).
 */

export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
/** SigV4 refuses presigned URLs that live longer than seven days. */
export const MAX_PRESIGN_SECONDS = 7 * 24 * 60 * 60;

const STRICT = /[!'()*]/g;
const HAS_STRICT = /[!'()*]/;
const strictEscape = (ch: string) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`;

/**
 * RFC 3986 encoding as SigV4 wants it: everything but `A-Z a-z 0-9 - _ . ~` percent-encoded
 * (upper-case hex, UTF-8), so `!'()*` too, which encodeURIComponent leaves alone.
 * Throws URIError on a lone surrogate (a string that is not valid UTF-16).
 */
const UNRESERVED = /^[A-Za-z0-9\-._~]*$/;
const UNRESERVED_PATH = /^[A-Za-z0-9\-._~/]*$/;

export function uriEncode(value: string): string {
  if (UNRESERVED.test(value)) return value;
  const encoded = encodeURIComponent(value);
  return HAS_STRICT.test(encoded) ? encoded.replace(STRICT, strictEscape) : encoded;
}

/**
 * An S3 object key as a URI path: each `/`-separated segment strictly encoded, the slashes kept.
 * S3 signs the path as sent, encoded once (no normalisation, no double encoding).
 */
export function encodeKeyPath(key: string): string {
  if (UNRESERVED_PATH.test(key)) return key; // server-generated keys, usually
  return uriEncode(key).replace(/%2F/g, '/');
}

export interface AmzDate {
  /** `YYYYMMDDTHHMMSSZ`, the X-Amz-Date value. */
  long: string;
  /** `YYYYMMDD`, the credential scope's date. */
  short: string;
}

let lastDate: { second: number; date: AmzDate } | undefined;

/** X-Amz-Date for a time (to the second; the last one is memoised, batches share it). */
export function amzDate(epochMs: number): AmzDate {
  const second = Math.floor(epochMs / 1000);
  if (lastDate?.second === second) return lastDate.date;
  const date = formatAmzDate(second * 1000);
  lastDate = { second, date };
  return date;
}

function formatAmzDate(epochMs: number): AmzDate {
  const iso = new Date(epochMs).toISOString(); // 2026-11-25T10:11:12.345Z
  const short = iso.slice(0, 4) + iso.slice(5, 7) + iso.slice(8, 10);
  return { short, long: `${short}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z` };
}

export function credentialScope(shortDate: string, region: string, service: string): string {
  return `${shortDate}/${region}/${service}/aws4_request`;
}

/** The derived key: four HMACs, valid for one (date, region, service) and one secret. */
export function deriveSigningKey(secretAccessKey: string, shortDate: string, region: string, service: string): Buffer {
  const dateKey = createHmac('sha256', `AWS4${secretAccessKey}`).update(shortDate).digest();
  const regionKey = createHmac('sha256', dateKey).update(region).digest();
  const serviceKey = createHmac('sha256', regionKey).update(service).digest();
  return createHmac('sha256', serviceKey).update('aws4_request').digest();
}

/** One-shot hash (Node >= 20.12): about half the cost of createHash().update().digest(). */
export function sha256Hex(data: string): string {
  return hash('sha256', data, 'hex');
}

export function hmacHex(key: Buffer, data: string): string {
  return createHmac('sha256', key).update(data, 'utf8').digest('hex');
}

export interface QuerySigningInput {
  method: string;
  /** Already encoded (encodeKeyPath), starting with `/`. */
  canonicalUri: string;
  /** Canonical query: `name=value` pairs strictly encoded, sorted by name, `&`-joined, without X-Amz-Signature. */
  canonicalQuery: string;
  /** Lower-case names, sorted, values trimmed: [name, value]. */
  headers: readonly (readonly [string, string])[];
  signedHeaders: string;
  longDate: string;
  scope: string;
  signingKey: Buffer;
  payloadHash?: string;
}

export function canonicalRequest(input: QuerySigningInput): string {
  let headerBlock = '';
  for (const [name, value] of input.headers) headerBlock += `${name}:${value}\n`;
  return `${input.method}\n${input.canonicalUri}\n${input.canonicalQuery}\n${headerBlock}\n${input.signedHeaders}\n${input.payloadHash ?? UNSIGNED_PAYLOAD}`;
}

export function stringToSign(longDate: string, scope: string, canonical: string): string {
  return `${ALGORITHM}\n${longDate}\n${scope}\n${sha256Hex(canonical)}`;
}

/** The hex signature for a query-signed request: one SHA-256 and one HMAC with the cached key. */
export function signQuery(input: QuerySigningInput): string {
  return hmacHex(input.signingKey, stringToSign(input.longDate, input.scope, canonicalRequest(input)));
}

/**
 * Canonical header value: SigV4 trims and squeezes runs of spaces. We refuse values that would
 * change (and control characters), so the header the client sends is byte-for-byte the signed one.
 */
const HEADER_VALUE = /^[\x21-\x7e](?:[\x21-\x7e]| (?! ))*$/;
export function isCanonicalHeaderValue(value: string): boolean {
  return HEADER_VALUE.test(value) && !value.endsWith(' ');
}
