import { createHash } from 'node:crypto';
import sharp from 'sharp';
import type { ApiClient } from './accounts.js';

export const sha256Base64 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('base64');

/** A small real JPEG whose pixels (and so bytes) depend on `seed`. */
export async function jpeg(seed: number, width = 64, height = 48): Promise<Buffer> {
  const r = (seed * 67) % 256;
  const g = (seed * 131) % 256;
  const b = (seed * 197) % 256;
  return sharp({ create: { width, height, channels: 3, background: { r, g, b } } })
    .composite([{ input: Buffer.from([255 - r, 255 - g, 255 - b, 255]), raw: { width: 1, height: 1, channels: 4 }, tile: false, left: seed % width, top: 0 }])
    .jpeg({ quality: 90 })
    .toBuffer();
}

export interface UploadAnswer {
  clientRef: string;
  status: 'upload' | 'duplicate';
  photoId: string;
  upload?: {
    method?: 'PUT';
    url?: string;
    headers?: Record<string, string>;
    expiresAt: string;
    multipart?: { uploadId: string; partSize: number; parts: { partNumber: number; url: string }[] };
  };
}

export function item(clientRef: string, bytes: Buffer, contentType = 'image/jpeg', filename = `${clientRef}.jpg`) {
  return { clientRef, filename, contentType, size: bytes.length, sha256: sha256Base64(bytes) };
}

/** PUTs the bytes to the presigned URL exactly as the service told us to. */
export async function put(answer: UploadAnswer, bytes: Buffer, overrideHeaders: Record<string, string> = {}): Promise<number> {
  const response = await fetch(answer.upload!.url!, { method: 'PUT', headers: { ...answer.upload!.headers, ...overrideHeaders }, body: bytes });
  await response.arrayBuffer();
  return response.status;
}

/** Waits until every photo left `processing`; returns their final states. */
export async function settled(api: ApiClient, token: string, photoIds: string[], timeoutMs = 20_000): Promise<Record<string, { status: string } & Record<string, unknown>>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const photos = await Promise.all(photoIds.map((id) => api.get<{ status: string }>(`/v1/photos/${id}`, token)));
    if (photos.every((p) => p.status === 200 && p.body.status !== 'processing' && p.body.status !== 'uploading')) {
      return Object.fromEntries(photos.map((p, i) => [photoIds[i]!, p.body]));
    }
    if (Date.now() > deadline) throw new Error(`photos still processing: ${JSON.stringify(photos.map((p) => [p.status, p.body.status]))}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
