import type { S3Presigner } from '../aws/s3-presigner.js';
import { uriEncode } from '../aws/sigv4.js';

/**
 * Short-lived GET URLs for a photo's objects. `windowStart` is the start of the current URL
 * window (urlWindowStart): every URL signed within one window is identical, so phones and CDNs
 * can cache it. With `downloadName`, the URL also makes the store answer
 * `Content-Disposition: attachment` with that name (attachmentDisposition), signed like the rest of
 * the URL, so a browser saves the original under the name it was uploaded with.
 * Implementations may be synchronous or not.
 */
export interface PhotoUrlSigner {
  signGet(key: string, windowStart: Date, downloadName?: string, scope?: UrlScope): string | Promise<string>;
}

/**
 * What a URL may open once its path or query is edited (docs/sharing.md): `owner` (the default) URLs go
 * to the objects' owner, and may be signed for everything under the owner's prefix; `object` URLs go to
 * anyone else (album members, share link holders) and open exactly their one object, under the download
 * name they were signed with. A signer must never answer an `object` call with a URL signed for more.
 */
export type UrlScope = 'owner' | 'object';

/**
 * Removed from a saved file's name: control characters (a header or a file system would take them
 * apart), unpaired surrogates (no UTF-8 for them; in unicode mode only unpaired ones match) and the bidirectional marks, embeddings, overrides and isolates that can show
 * `photo\u202Egpj.exe` as `photoexe.jpg`. Zero-width joiners stay: emoji sequences need them.
 */
const NOT_IN_SAVED_NAME = /[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u{d800}-\u{dfff}]/gu;
/** Saved names are cut to this many code points (the extension kept): the URL carries the name three times encoded. */
export const MAX_SAVED_NAME = 120;

/** The name a browser should save `filename` under: one path segment, no control or bidi marks, never empty. */
export function savedFileName(filename: string): string {
  let name = filename.replace(NOT_IN_SAVED_NAME, '').replace(/[/\\]/g, '_').replace(/^[\s.]+|\s+$/g, '');
  const points = Array.from(name);
  if (points.length > MAX_SAVED_NAME) {
    const dot = name.lastIndexOf('.');
    const extension = dot > 0 && name.length - dot <= 10 ? Array.from(name.slice(dot)) : [];
    name = points.slice(0, MAX_SAVED_NAME - extension.length).join('') + extension.join('');
  }
  return name || 'photo';
}

/**
 * `Content-Disposition: attachment` for a download saved as `filename` (RFC 6266): a quoted ASCII
 * `filename` (accents dropped; other characters, quotes, backslashes and `%` as `_`) and, when that
 * is not the name itself, the exact UTF-8 name in `filename*` (RFC 8187, whose ext-value is RFC 3986's
 * strict percent-encoding: `uriEncode`), which browsers prefer.
 * Only printable ASCII comes out: no header injection whatever the name holds.
 */
export function attachmentDisposition(filename: string): string {
  const name = savedFileName(filename);
  const ascii = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e]|["\\%]/gu, '_');
  return ascii === name ? `attachment; filename="${ascii}"` : `attachment; filename="${ascii}"; filename*=UTF-8''${uriEncode(name)}`;
}

/** URLs are signed as of the start of a 10-minute window and live 20 minutes: 10 to 20 minutes left when handed out. */
export const URL_WINDOW_MS = 10 * 60 * 1000;
export const URL_EXPIRES_SECONDS = 20 * 60;

export function urlWindowStart(now: Date): Date {
  return new Date(Math.floor(now.getTime() / URL_WINDOW_MS) * URL_WINDOW_MS);
}

interface Cached {
  url: string;
  downloadName: string | undefined;
}

export interface PresignedUrlSignerOptions {
  /** Signed URLs kept per window (oldest dropped first). Default 20,000 (~12 MB). */
  maxEntries?: number;
}

/**
 * Presigned S3 GETs (src/aws/s3-presigner.ts), signed at the window start, expiring 20 minutes after it.
 *
 * A URL is a pure function of (key, download name, window, credentials), so it is signed once per window and kept:
 * a timeline page of 60 photos asks for 180 URLs, and the detail, the next refresh and the next
 * page ask for the same ones again. Only URLs that live their full 20 minutes are kept: one cut
 * short by expiring temporary credentials is signed anew on each call (with the refreshed
 * credentials once the SDK has them). The previous window is kept beside the current one for
 * requests that read the clock just before the boundary; older ones are dropped.
 *
 * Scope changes nothing here: SigV4 signs the key's path and every query parameter (the download name
 * too), so every presigned URL is already an `object` URL, and the cache, keyed by the key and checked
 * against the name, only ever hands back the URL of the key asked for.
 */
export function presignedUrlSigner(presigner: S3Presigner, options: PresignedUrlSignerOptions = {}): PhotoUrlSigner {
  const maxEntries = Math.max(1, options.maxEntries ?? 20_000);
  let currentWindow = Number.NEGATIVE_INFINITY;
  // key -> its URL and the download name signed into it: one name per key in practice (an original's
  // filename), so a lookup compares the name instead of building a key of both.
  let current = new Map<string, Cached>();
  let previous = new Map<string, Cached>();

  const remember = (windowMs: number, key: string, url: Cached) => {
    if (windowMs > currentWindow) {
      previous = windowMs - currentWindow === URL_WINDOW_MS ? current : new Map();
      current = new Map();
      currentWindow = windowMs;
    }
    const cache = windowMs === currentWindow ? current : windowMs === currentWindow - URL_WINDOW_MS ? previous : undefined;
    if (!cache) return;
    if (cache.size >= maxEntries) cache.delete(cache.keys().next().value!);
    cache.set(key, url);
  };

  return {
    signGet(key, windowStart, downloadName, _scope) {
      const windowMs = urlWindowStart(windowStart).getTime();
      const cached = windowMs === currentWindow ? current.get(key) : windowMs === currentWindow - URL_WINDOW_MS ? previous.get(key) : undefined;
      // The name is signed into the URL: a URL signed for another name (or none) is not this one.
      if (cached !== undefined && cached.downloadName === downloadName) return cached.url;
      const responseContentDisposition = downloadName === undefined ? undefined : attachmentDisposition(downloadName);
      return presigner.presignGet({ key, expiresInSeconds: URL_EXPIRES_SECONDS, signingTime: windowMs, responseContentDisposition }).then((signed) => {
        if (signed.expiresAt.getTime() === windowMs + URL_EXPIRES_SECONDS * 1000) remember(windowMs, key, { url: signed.url, downloadName });
        return signed.url;
      });
    },
  };
}
