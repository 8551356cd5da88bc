import { z } from 'zod';
import { ID_PATTERN } from '../albums/ids.js';

export const memberRole = z.enum(['viewer', 'contributor']).describe('`viewer` lists the photos; `contributor` also adds their own');

export const membersParams = z.object({
  albumId: z.string().regex(ID_PATTERN, 'must be an album id'),
});

export const memberParams = z.object({
  albumId: z.string().regex(ID_PATTERN, 'must be an album id'),
  userId: z.string().regex(ID_PATTERN, 'must be a user id'),
});

export const addMemberBody = z
  .object({
    email: z.email().max(254).describe('The email the user registered with (any case)'),
    role: memberRole,
  })
  .meta({ id: 'AddAlbumMember' });

export const albumMember = z
  .object({
    userId: z.string(),
    email: z.string(),
    name: z.string().optional(),
    role: z.enum(['owner', 'contributor', 'viewer']),
    addedAt: z.string().describe('When the member was added (for the owner: when the album was created)'),
  })
  .meta({ id: 'AlbumMember' });

export const albumMemberList = z
  .object({ items: z.array(albumMember).describe('The owner first, then the members in the order they were added') })
  .meta({ id: 'AlbumMemberList' });

export const sharedQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().min(1).max(2048).optional().describe('nextCursor of the previous page'),
});
