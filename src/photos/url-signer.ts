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

/** Presigned S3 GETs (src/aws/s3-presigner.ts), signed at the window start, expiring 20 minutes after it. */
export function presignedUrlSigner(presigner: S3Presigner): PhotoUrlSigner {
  return {
    async signGet(key, windowStart) {
      const signed = await presigner.presignGet({ key, expiresInSeconds: URL_EXPIRES_SECONDS, signingTime: urlWindowStart(windowStart) });
      return signed.url;
    },
  };
}

