import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../data/keys.js';

/** The caller's role in an album (docs/sharing.md, "Who may do what"). */
export type AlbumRole = 'owner' | 'contributor' | 'viewer' | 'link';

/** What a request may do to one album, resolved once per request. */
export interface AlbumAccess {
  albumId: string;
  ownerId: string;
  role: AlbumRole;
  /** The user acting (owner or member), or the share link's id for `link`. */
  actorId: string;
}

/** The album item as access resolution reads it. */
export interface AlbumHead {
  albumId: string;
  ownerId: string;
}

/** Roles that may list the album's photos (a collect link may not: its holders only add). */
export const canList = (role: AlbumRole) => role !== 'link';
/** Roles that may add (their own) photos. */
export const canAdd = (role: AlbumRole) => role === 'owner' || role === 'contributor';
/** Only the owner changes the album itself, its members and its links. */
export const canManage = (role: AlbumRole) => role === 'owner';

/**
 * Resolves a signed-in user's access to an album: one BatchGetItem of the album item and the user's
 * membership item (strongly consistent, so a removal takes effect on the next request). Undefined
 * when the album does not exist or the user is neither its owner nor a member: the caller answers 404.
 */
export async function resolveAlbumAccess(dynamo: DynamoDBDocumentClient, table: string, userId: string, albumId: string): Promise<AlbumAccess | undefined> {
  const albumKey = keys.album(albumId);
  const memberKey = keys.albumMember(albumId, userId);
  let pending: Record<string, unknown>[] = [albumKey, memberKey];
  const found: Record<string, unknown>[] = [];
  // BatchGetItem may hand back keys unprocessed under throttling; two keys, a few tries.
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt === 5) throw new Error('album access could not be read (keys left unprocessed)');
    const answer = await dynamo.send(
      new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: true, ProjectionExpression: 'SK, albumId, ownerId, #r', ExpressionAttributeNames: { '#r': 'role' } } } }),
    );
    found.push(...(answer.Responses?.[table] ?? []));
    pending = (answer.UnprocessedKeys?.[table]?.Keys as Record<string, unknown>[] | undefined) ?? [];
  }
  const album = found.find((item) => item.SK === albumKey.SK);
  if (!album) return undefined;
  const ownerId = album.ownerId as string;
  if (ownerId === userId) return { albumId, ownerId, role: 'owner', actorId: userId };
  const member = found.find((item) => item.SK === memberKey.SK);
  const role = member?.role;
  if (role !== 'viewer' && role !== 'contributor') return undefined;
  return { albumId, ownerId, role, actorId: userId };
}
