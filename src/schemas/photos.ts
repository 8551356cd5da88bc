import { z } from 'zod';

/** The contract's Photo. `takenAt` is the upload time until processing has read the real one. */
export const photo = z
  .object({
    id: z.string(),
    status: z.enum(['uploading', 'processing', 'ready', 'rejected']),
    filename: z.string(),
    contentType: z.string(),
    size: z.number().int(),
    sha256: z.string().describe("Base64 of the file's SHA-256"),
    width: z.number().int().optional(),
    height: z.number().int().optional(),
    takenAt: z.string().describe('ISO 8601; the upload time until the photo is processed'),
    uploadedAt: z.string(),
    exif: z.record(z.string(), z.unknown()).optional(),
    location: z.object({ lat: z.number(), lon: z.number(), alt: z.number().optional() }).optional(),
    thumbhash: z.string().optional(),
    trashedAt: z.string().optional().describe('Set while the photo is in the trash; it is purged 30 days later'),
    urls: z
      .object({
        thumbnail: z.string().optional(),
        preview: z.string().optional(),
        original: z.string().optional().describe('Only once the bytes were verified against the declared SHA-256 (status ready)'),
      })
      .describe('Signed GET URLs, valid 10 to 20 minutes; identical for 10 minutes, so they can be cached'),
  })
  .meta({ id: 'Photo' });

export const photoParams = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a photo id'),
});

export const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(2048).optional().describe('nextCursor of the previous page'),
});

export const photoPage = z
  .object({
    items: z.array(photo),
    nextCursor: z.string().nullable().describe('null on the last page'),
  })
  .meta({ id: 'PhotoPage', description: 'One page of photos; pass nextCursor as `cursor` for the next one' });

export type PhotoJson = z.infer<typeof photo>;
export type PhotoPageJson = z.infer<typeof photoPage>;
