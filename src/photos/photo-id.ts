import { createHash } from 'node:crypto';

/**
 * A photo's id follows from its owner and its content: the same bytes uploaded twice by one user
 * always land on the same item, which is what makes dedup race-free (a conditional put).
 */
export function photoIdFor(userId: string, sha256Base64: string): string {
  return createHash('sha256').update(`${userId}\n${sha256Base64}`).digest('base64url').slice(0, 27);
}

/** Where a photo's bytes live: always under the owner's prefix. */
export const photoKeys = {
  userPrefix: (userId: string) => `users/${userId}/`,
  original: (userId: string, photoId: string) => `users/${userId}/photos/${photoId}`,
  thumbnail: (userId: string, photoId: string) => `users/${userId}/derivatives/${photoId}/thumbnail.webp`,
  preview: (userId: string, photoId: string) => `users/${userId}/derivatives/${photoId}/preview.jpg`,
};
