import type { UploadAnswer, UploadTarget } from './upload-types';

/** A URL this close to its expiry is not started: a part would likely outlive it. */
const EXPIRY_MARGIN_MS = 30_000;
/**
 * URLs younger than this are never judged expired by the device's clock: a phone whose clock runs
 * ahead of the server's would otherwise ask for new URLs forever. S3 still refuses a really expired
 * one (403), and that path spends the retry budget.
 */
const FRESH_URL_MS = 120_000;

/** Whether the URLs should be replaced before use (by the device's clock, see FRESH_URL_MS). */
export function isExpired(target: UploadTarget, now: number): boolean {
  if (now - target.receivedAt < FRESH_URL_MS) return false;
  return Date.parse(target.expiresAt) - now < EXPIRY_MARGIN_MS;
}

export function toTarget(answer: UploadAnswer, receivedAt: number): UploadTarget | undefined {
  const upload = answer.upload;
  if (!upload) return undefined;
  if ('multipart' in upload && upload.multipart) return { kind: 'multipart', ...upload.multipart, expiresAt: upload.expiresAt, receivedAt };
  if ('url' in upload && upload.url) return { kind: 'single', url: upload.url, headers: upload.headers ?? {}, expiresAt: upload.expiresAt, receivedAt };
  return undefined;
}
