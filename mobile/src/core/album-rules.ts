import type { AlbumPhoto, AlbumRole, BatchResult, ShareLink } from './sharing-types';

// What the album screens decide, as plain functions (unit-tested in test/core/album-rules.test.ts).

/** The API takes at most this many ids per add or remove call. */
export const BATCH_LIMIT = 200;

export function chunk<T>(items: readonly T[], size: number = BATCH_LIMIT): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/** What a role may do with the album as a whole (docs/sharing.md, "Who may do what"). */
export interface AlbumAbilities {
  manage: boolean;
  addPhotos: boolean;
  share: boolean;
  leave: boolean;
}

export function abilitiesOf(role: AlbumRole): AlbumAbilities {
  return {
    manage: role === 'owner',
    addPhotos: role === 'owner' || role === 'contributor',
    share: role === 'owner',
    leave: role !== 'owner',
  };
}

/** The owner removes any photo; a contributor only the photos they added; a viewer none. */
export function canRemovePhoto(role: AlbumRole, photo: AlbumPhoto, userId: string): boolean {
  if (role === 'owner') return true;
  return role === 'contributor' && photo.addedBy.userId === userId;
}

/** The name on a tile: nothing for my own photos, "Guest: Sam" for a collect link's upload. */
export function addedByLabel(photo: AlbumPhoto, userId: string): string | undefined {
  const by = photo.addedBy;
  if (!by || (by.userId && by.userId === userId)) return undefined;
  const name = by.name.trim() || (by.guest ? 'a guest' : 'someone');
  return by.guest ? `Guest: ${name}` : name;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * One sentence for an add or remove batch. The server says per id what happened; anything not done is
 * explained by kind, never silently dropped.
 */
export function describeBatch(results: readonly BatchResult[], verb: 'added' | 'removed'): { text: string; complete: boolean } {
  const count = (result: BatchResult['result']) => results.filter((r) => r.result === result).length;
  const parts = [`${plural(count(verb), 'photo', 'photos')} ${verb}`];
  if (verb === 'added') {
    if (count('already') > 0) parts.push(`${count('already')} already in the album`);
    if (count('notReady') > 0) parts.push(`${plural(count('notReady'), 'photo is', 'photos are')} not ready (still processing or in the trash)`);
    if (count('notFound') > 0) parts.push(`${plural(count('notFound'), 'photo was', 'photos were')} not found in your library`);
  } else {
    if (count('notFound') > 0) parts.push(`${count('notFound')} not in the album`);
    if (count('forbidden') > 0) parts.push(`${plural(count('forbidden'), 'photo was', 'photos were')} added by someone else`);
  }
  const complete = results.every((r) => r.result === verb || r.result === (verb === 'added' ? 'already' : 'notFound'));
  return { text: parts.join(', '), complete };
}

export type LinkState = 'active' | 'expired' | 'revoked';

export function linkState(link: ShareLink, now: number): LinkState {
  if (link.revokedAt) return 'revoked';
  if (Date.parse(link.expiresAt) <= now) return 'expired';
  return 'active';
}

/** "Expires in 3 days", "Expires in 5 hours", "Expired", "Revoked". */
export function describeLinkState(link: ShareLink, now: number): string {
  const state = linkState(link, now);
  if (state === 'revoked') return 'Revoked';
  if (state === 'expired') return 'Expired';
  // Rounded: a 7-day link read a minute after it was made still expires "in 7 days".
  const hours = (Date.parse(link.expiresAt) - now) / 3_600_000;
  if (hours < 23.5) return hours < 1 ? 'Expires in less than an hour' : `Expires in ${plural(Math.round(hours), 'hour', 'hours')}`;
  return `Expires in ${plural(Math.max(1, Math.round(hours / 24)), 'day', 'days')}`;
}

/** The link's own words: what it lets a guest do, and its limits. */
export function describeLink(link: ShareLink): string {
  const parts = [link.kind === 'collect' ? 'Guests can add photos' : 'Anyone with the link can view'];
  if (link.hasPassword) parts.push('password');
  if (link.kind === 'collect' && link.uploads !== undefined) {
    parts.push(link.maxUploads ? `${link.uploads} of ${link.maxUploads} uploads` : plural(link.uploads, 'upload', 'uploads'));
  }
  return parts.join(' · ');
}

/** Links in use first (newest first), then the expired and revoked ones. */
export function sortLinks(links: readonly ShareLink[], now: number): ShareLink[] {
  const rank = (link: ShareLink) => (linkState(link, now) === 'active' ? 0 : 1);
  return [...links].sort((a, b) => rank(a) - rank(b) || Date.parse(b.createdAt) - Date.parse(a.createdAt));
}

/** Every link expires (the API takes 1 to 365 days). */
export const EXPIRY_CHOICES = [
  { label: '1 day', days: 1 },
  { label: '7 days', days: 7 },
  { label: '30 days', days: 30 },
  { label: '1 year', days: 365 },
] as const;

/** The API's bounds on a link password (stored as a slow hash). */
export const LINK_PASSWORD = { min: 8, max: 128 } as const;

export function linkPasswordError(password: string): string | undefined {
  if (password === '') return undefined;
  if (password.length < LINK_PASSWORD.min) return `Use at least ${LINK_PASSWORD.min} characters, or leave it empty`;
  if (password.length > LINK_PASSWORD.max) return `Use at most ${LINK_PASSWORD.max} characters`;
  return undefined;
}

/** The API's bounds on the photos guests may add through one collect link, and its default (src/schemas/share-links.ts). */
export const LINK_MAX_UPLOADS = { min: 1, max: 1000, default: 200 } as const;

/** The "guests may add up to" field as typed: empty leaves the server's default (`value` undefined). */
export function readMaxUploads(text: string): { value?: number; error?: string } {
  const trimmed = text.trim();
  if (trimmed === '') return { value: undefined };
  if (!/^[-+]?\d+$/.test(trimmed)) return { error: `Enter a whole number of photos, or leave it empty for ${LINK_MAX_UPLOADS.default}` };
  const value = Number(trimmed);
  if (value < LINK_MAX_UPLOADS.min) return { error: `Allow at least ${LINK_MAX_UPLOADS.min} photo, or leave it empty for ${LINK_MAX_UPLOADS.default}` };
  if (value > LINK_MAX_UPLOADS.max) return { error: `Allow at most ${LINK_MAX_UPLOADS.max} photos` };
  return { value };
}

/** "12 photos", "1 photo", "No photos". */
export function photoCount(n: number): string {
  return n === 0 ? 'No photos' : plural(n, 'photo', 'photos');
}

/** An album name as the server takes it: trimmed, 1..200 characters. */
export function albumNameError(name: string): string | undefined {
  const trimmed = name.trim();
  if (!trimmed) return 'Enter a name for the album';
  if (trimmed.length > 200) return 'Use at most 200 characters';
  return undefined;
}

/** A plausible email before asking the server (which has the last word). */
export function emailError(email: string): string | undefined {
  const trimmed = email.trim();
  if (!trimmed) return 'Enter an email address';
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(trimmed)) return 'Enter an email address like name@example.com';
  return undefined;
}
