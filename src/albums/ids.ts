import { randomBytes } from 'node:crypto';

/**
 * Ids of albums, families and share links: the creation time (9 base-36 digits of epoch ms, so ids sort
 * by creation, newest last) and 96 random bits. Never guessable, never derived from user data.
 */
export function newId(now = Date.now()): string {
  return now.toString(36).padStart(9, '0') + randomBytes(12).toString('base64url');
}

/** What such an id (and any id a path carries) may look like. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
