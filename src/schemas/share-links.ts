import { z } from 'zod';
import { ID_PATTERN } from '../albums/ids.js';
import { MAX_TOKEN_LENGTH } from '../sharing/link-tokens.js';
import { albumPhotoPage } from './albums.js';

export const albumLinksParams = z.object({
  albumId: z.string().regex(ID_PATTERN, 'must be an album id'),
});

export const albumLinkParams = albumLinksParams.extend({
  linkId: z.string().regex(ID_PATTERN, 'must be a link id'),
});

export const LINK_PASSWORD = { min: 8, max: 128 } as const;
export const DEFAULT_EXPIRES_IN_DAYS = 30;
export const DEFAULT_MAX_UPLOADS = 200;

export const createLinkBody = z
  .object({
    kind: z.enum(['view', 'collect']).describe('view: anyone with the link sees the photos; collect: anyone with the link adds photos (and sees none)'),
    expiresInDays: z.number().int().min(1).max(365).default(DEFAULT_EXPIRES_IN_DAYS),
    password: z
      .string()
      .min(LINK_PASSWORD.min)
      .max(LINK_PASSWORD.max)
      .optional()
      .describe('Asked of everyone who opens the link (stored only as a scrypt hash)'),
    maxUploads: z.number().int().min(1).max(1000).optional().describe(`Collect links: files guests may add in all (default ${DEFAULT_MAX_UPLOADS})`),
  })
  .superRefine((body, ctx) => {
    if (body.kind === 'view' && body.maxUploads !== undefined) ctx.addIssue({ code: 'custom', path: ['maxUploads'], message: 'only collect links take maxUploads' });
  });
export type CreateLinkBody = z.infer<typeof createLinkBody>;

export const shareLink = z
  .object({
    id: z.string(),
    kind: z.enum(['view', 'collect']),
    token: z.string().describe('The link token; anyone holding it (or the url) opens the link'),
    url: z.string().describe('The page to hand out: /s/{token} on this service'),
    expiresAt: z.string(),
    hasPassword: z.boolean(),
    uploads: z.number().int().optional().describe('Collect links: files guests added so far'),
    maxUploads: z.number().int().optional().describe('Collect links: files guests may add in all'),
    createdAt: z.string(),
    revokedAt: z.string().optional().describe('Set once the owner revoked the link: it opens nothing any more'),
  })
  .meta({ id: 'ShareLink', description: "A share link of an album (the owner's view)" });
export type ShareLinkJson = z.infer<typeof shareLink>;

export const shareLinkList = z.object({ items: z.array(shareLink).describe('Newest first; revoked and expired links included') }).meta({ id: 'ShareLinkList' });

/**
 * A link token in a path. Anything that is not one of ours, however it looks, is the same 404 as a revoked
 * link, so the schema only bounds the length.
 */
export const sharedParams = z.object({ token: z.string().min(1).max(MAX_TOKEN_LENGTH) });

export const sharedQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(2048).optional().describe('nextCursor of the previous page'),
});

/** Loose: the other headers of the request stay as they are. */
export const sharedHeaders = z
  .object({
    'x-share-password': z.string().max(1024).optional().describe("The link's password, when it has one"),
  })
  .loose();

export const sharedAlbum = z
  .object({
    album: z.object({ name: z.string() }),
    kind: z.enum(['view', 'collect']),
    expiresAt: z.string(),
    photos: albumPhotoPage.optional().describe('View links: one page of the album\'s photos, with URLs that open exactly their photo'),
    maxFiles: z.number().int().optional().describe('Collect links: files one request may carry'),
    maxFileBytes: z.number().int().optional().describe('Collect links: the largest file accepted'),
  })
  .meta({ id: 'SharedAlbum', description: 'What a share link opens' });
export type SharedAlbumJson = z.infer<typeof sharedAlbum>;

/** A guest's name as they typed it: 1 to 60 characters, no control characters. */
export const guestName = z
  .string()
  .trim()
  .min(1, 'is required')
  .max(60)
  .regex(/^[^\p{Cc}\u{d800}-\u{dfff}]*$/u, 'must not hold control characters');

/**
 * The multipart form, for the document only: the route reads the parts as they stream (src/sharing/guest-uploads.ts),
 * and the multipart parser leaves the body null (hence nullish).
 */
export const guestUploadForm = z
  .object({
    name: guestName.describe('Your name, shown with your photos'),
    password: z.string().optional().describe("The link's password, when it has one"),
    file: z.array(z.file()).min(1).describe('One or more photos (at most 20 per request), as file parts after the fields'),
  })
  .nullish();

export const guestUploadResult = z
  .object({
    filename: z.string(),
    status: z.enum(['added', 'duplicate', 'rejected']).describe('duplicate: the album owner has this photo already (it is added to the album, not stored twice)'),
    photoId: z.string().optional(),
    error: z.string().optional().describe('Why a file was rejected'),
  })
  .meta({ id: 'GuestUploadResult' });

export const guestUploadResponse = z.object({ items: z.array(guestUploadResult) }).meta({ id: 'GuestUploadResponse' });
export type GuestUploadResultJson = z.infer<typeof guestUploadResult>;
