import { z } from 'zod';
import { ID_PATTERN } from '../albums/ids.js';
import { photo } from './photos.js';

const photoId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a photo id');

export const albumParams = z.object({
  albumId: z.string().regex(ID_PATTERN, 'must be an album id'),
});

/** An album's name: trimmed, 1 to 200 characters, no control characters. */
const albumName = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[^\p{Cc}]*$/u, 'must not hold control characters');

export const createAlbumBody = z.object({ name: albumName });

export const updateAlbumBody = z
  .object({
    name: albumName.optional(),
    coverPhotoId: photoId.nullable().optional().describe('A photo in the album; null clears the cover'),
  })
  .refine((body) => body.name !== undefined || body.coverPhotoId !== undefined, { message: 'name or coverPhotoId is required' });

export const photoIdsBody = z.object({
  photoIds: z.array(photoId).min(1).max(200).describe('1 to 200 photo ids'),
});

export const album = z
  .object({
    id: z.string(),
    name: z.string(),
    ownerId: z.string(),
    ownerName: z.string().optional(),
    role: z.enum(['owner', 'contributor', 'viewer', 'link']).describe("The caller's role in the album"),
    photoCount: z.number().int().describe('Photos in the album, those in their owner\'s trash included'),
    cover: z
      .object({ photoId: z.string(), thumbnail: z.string().optional().describe('Signed URL; absent while the photo is in the trash') })
      .nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Album' });

export const albumPage = z
  .object({
    items: z.array(album),
    nextCursor: z.string().nullable().describe('null on the last page'),
  })
  .meta({ id: 'AlbumPage', description: 'One page of albums, newest first; pass nextCursor as `cursor` for the next one' });

export const addedBy = z
  .object({
    userId: z.string().optional().describe('Absent for a guest (collect link)'),
    name: z.string(),
    guest: z.boolean(),
  })
  .meta({ id: 'AddedBy' });

export const albumPhoto = photo
  .extend({
    addedAt: z.string(),
    addedBy,
  })
  .meta({ id: 'AlbumPhoto', description: 'A photo of an album, with who added it and when' });

export const albumPhotoPage = z
  .object({
    items: z.array(albumPhoto),
    nextCursor: z.string().nullable().describe('null on the last page'),
  })
  .meta({ id: 'AlbumPhotoPage', description: "One page of an album's photos, newest taken first" });

export const addResult = z.enum(['added', 'already', 'notFound', 'notReady']);
export const removeResult = z.enum(['removed', 'notFound', 'forbidden']);

export const addPhotosResult = z
  .object({
    results: z
      .array(z.object({ photoId: z.string(), result: addResult }))
      .describe('One per distinct id, in request order: `notFound` is no photo of yours; `notReady` still uploading, processing, rejected or in the trash'),
  })
  .meta({ id: 'AlbumAddResult' });

export const removePhotosResult = z
  .object({
    results: z
      .array(z.object({ photoId: z.string(), result: removeResult }))
      .describe('One per distinct id, in request order: `forbidden` is a photo someone else added (contributors remove only their own)'),
  })
  .meta({ id: 'AlbumRemoveResult' });

export type AlbumJson = z.infer<typeof album>;
export type AlbumPageJson = z.infer<typeof albumPage>;
export type AlbumPhotoJson = z.infer<typeof albumPhoto>;
export type AlbumPhotoPageJson = z.infer<typeof albumPhotoPage>;
export type AddResult = z.infer<typeof addResult>;
export type RemoveResult = z.infer<typeof removeResult>;
