import { z } from 'zod';
import { SHA256_BASE64 } from '../lib/checksum.js';

/** Camera formats share one size limit; raw files (DNG) have their own. */
export const UPLOAD_TYPES = {
  'image/jpeg': 'camera',
  'image/png': 'camera',
  'image/heic': 'camera',
  'image/heif': 'camera',
  'image/webp': 'camera',
  'image/avif': 'camera',
  'image/gif': 'camera',
  'image/x-adobe-dng': 'raw',
} as const;
export type UploadType = keyof typeof UPLOAD_TYPES;

const sha256 = z
  .string()
  .regex(SHA256_BASE64, "must be the canonical base64 of the file's 32-byte SHA-256 (44 characters)")
  .describe("Base64 of the file's SHA-256");

/** C0, DEL and C1 control characters, and (unicode mode matches only unpaired ones) surrogates that have no UTF-8. */
const UNSAFE_IN_FILENAME = /[\p{Cc}\u{d800}-\u{dfff}]/u;

export const uploadItem = z
  .object({
    clientRef: z.string().min(1).max(128).describe("The client's own id for this item, echoed back"),
    filename: z
      .string()
      .trim()
      .min(1)
      .max(255)
      .refine((name) => !UNSAFE_IN_FILENAME.test(name), 'must not contain control characters (CR, LF, tab...) or unpaired surrogates')
      .describe(
        'The name the user knows the file by, shown back exactly as sent (leading and trailing spaces trimmed): any Unicode, emoji, ' +
          'right-to-left text, quotes and path separators included. Control characters (U+0000-U+001F, U+007F-U+009F: CR, LF, tab) and ' +
          'unpaired surrogates are refused (400). It never becomes part of a storage key; the original downloads under it ' +
          '(Content-Disposition, without path separators or bidirectional marks).',
      ),
    contentType: z.enum(Object.keys(UPLOAD_TYPES) as [UploadType, ...UploadType[]]),
    size: z.number().int().positive(),
    sha256,
  })
  .meta({ id: 'UploadItem', description: 'One photo to upload, described before its bytes are sent' });

export const uploadsBody = z.object({ items: z.array(uploadItem).min(1).max(50) });

const singleUpload = z
  .object({
    method: z.literal('PUT'),
    url: z.string(),
    headers: z.record(z.string(), z.string()).describe('Send exactly these headers with the PUT'),
    expiresAt: z.string(),
  })
  .meta({ id: 'SingleUpload', description: 'One presigned PUT of the whole file' });
const multipartUpload = z
  .object({
    multipart: z.object({
      uploadId: z.string(),
      partSize: z.number().int(),
      parts: z.array(z.object({ partNumber: z.number().int(), url: z.string() })),
    }),
    expiresAt: z.string(),
  })
  .meta({ id: 'MultipartUpload', description: 'Presigned PUTs, one per part of partSize bytes; keep each ETag for completion' });

export const uploadAnswer = z
  .object({
    clientRef: z.string(),
    status: z.enum(['upload', 'duplicate']).describe('duplicate: this content is already in the library (photoId names it)'),
    photoId: z.string(),
    upload: z.union([singleUpload, multipartUpload]).optional(),
  })
  .meta({ id: 'UploadAnswer' });

export const uploadsResponse = z.object({ items: z.array(uploadAnswer) });

export const completeItem = z
  .object({
    photoId: z.string().min(1).max(64),
    parts: z
      .array(z.object({ partNumber: z.number().int().min(1).max(10000), etag: z.string().min(1).max(128) }))
      .max(10000)
      .optional()
      .describe('Multipart uploads only: every part with the ETag S3 answered'),
  })
  .meta({ id: 'CompleteItem' });

export const completeBody = z.object({ items: z.array(completeItem).min(1).max(50) });

export const completeAnswer = z
  .object({
    photoId: z.string(),
    status: z.enum(['processing', 'ready', 'missing', 'rejected']),
    error: z.string().optional(),
  })
  .meta({ id: 'CompleteAnswer' });

export const completeResponse = z.object({ items: z.array(completeAnswer) });

export type UploadItem = z.infer<typeof uploadItem>;
export type CompleteItem = z.infer<typeof completeBody>['items'][number];
