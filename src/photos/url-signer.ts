import type { S3Presigner } from '../aws/s3-presigner.js';

/**
 * Short-lived GET URLs for a photo's objects. `windowStart` is the start of the current URL
 * window (urlWindowStart): every URL signed within one window is identical, so phones and CDNs
 * can cache it. Implementations may be synchronous or not.
 */
export interface PhotoUrlSigner {
  signGet(key: string, windowStart: Date): string | Promise<string>;
}

/** URLs are signed as of the start of a 10-minute window and live 20 minutes: 10 to 20 minutes left when handed out. */
export const URL_WINDOW_MS = 10 * 60 * 1000;
export const URL_EXPIRES_SECONDS = 20 * 60;

export function urlWindowStart(now: Date): Date {
  return new Date(Math.floor(now.getTime() / URL_WINDOW_MS) * URL_WINDOW_MS);
}

export interface PresignedUrlSignerOptions {
  /** Signed URLs kept per window (oldest dropped first). Default 20,000 (~12 MB). */
  maxEntries?: number;
}

/**
 * Presigned S3 GETs (src/aws/s3-presigner.ts), signed at the window start, expiring 20 minutes after it.
 *
 * A URL is a pure function of (key, window, credentials), so it is signed once per window and kept:
 * a timeline page of 60 photos asks for 180 URLs, and the detail, the next refresh and the next
 * page ask for the same ones again. Only URLs that live their full 20 minutes are kept: one cut
 * short by expiring temporary credentials is signed anew on each call (with the refreshed
 * credentials once the SDK has them). The previous window is kept beside the current one for
 * requests that read the clock just before the boundary; older ones are dropped.
 */
export function presignedUrlSigner(presigner: S3Presigner, options: PresignedUrlSignerOptions = {}): PhotoUrlSigner {
  const maxEntries = Math.max(1, options.maxEntries ?? 20_000);
  let currentWindow = Number.NEGATIVE_INFINITY;
  let current = new Map<string, string>();
  let previous = new Map<string, string>();

  const remember = (windowMs: number, key: string, url: string) => {
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
    signGet(key, windowStart) {
      const windowMs = urlWindowStart(windowStart).getTime();
      const cached = windowMs === currentWindow ? current.get(key) : windowMs === currentWindow - URL_WINDOW_MS ? previous.get(key) : undefined;
      if (cached !== undefined) return cached;
      return presigner.presignGet({ key, expiresInSeconds: URL_EXPIRES_SECONDS, signingTime: windowMs }).then((signed) => {
        if (signed.expiresAt.getTime() === windowMs + URL_EXPIRES_SECONDS * 1000) remember(windowMs, key, signed.url);
        return signed.url;
      });
    },
  };
}
