import type { Photo } from './library';

// The shapes of the albums, members, links and family routes (docs/sharing.md). Written from the
// contract until the server's OpenAPI document has them; then these become aliases of the generated types.

export type AlbumRole = 'owner' | 'contributor' | 'viewer';
export type MemberRole = 'viewer' | 'contributor';

export interface Album {
  id: string;
  name: string;
  ownerId: string;
  ownerName?: string | null;
  role: AlbumRole;
  photoCount: number;
  coverPhotoId?: string | null;
  /** The cover's (or newest photo's) thumbnail, signed for the caller. */
  cover?: { thumbnail?: string | null; thumbhash?: string | null } | null;
  createdAt: string;
  updatedAt?: string;
}

export interface AlbumPage {
  items: Album[];
  nextCursor: string | null;
}

/** Who added a photo to an album: a user, or a guest through a collect link (the name they typed). */
export interface AddedBy {
  userId?: string | null;
  name?: string | null;
  guest?: boolean;
}

export type AlbumPhoto = Photo & { addedBy?: AddedBy | null; addedAt?: string };

export interface AlbumPhotoPage {
  items: AlbumPhoto[];
  nextCursor: string | null;
}

/** One id's outcome of an add or remove batch. */
export interface BatchResult {
  photoId: string;
  status: string;
}

export interface BatchAnswer {
  items: BatchResult[];
}

export interface Member {
  userId: string;
  name?: string | null;
  email?: string | null;
  role: AlbumRole;
}

export interface MemberList {
  items: Member[];
}

export type LinkKind = 'view' | 'collect';

export interface ShareLink {
  id: string;
  kind: LinkKind;
  /** The page a guest opens (/s/{token}); only links the caller may still hand out carry it. */
  url?: string | null;
  token?: string | null;
  expiresAt?: string | null;
  hasPassword?: boolean;
  maxUploads?: number | null;
  uploads?: number;
  revokedAt?: string | null;
  createdAt: string;
}

export interface LinkList {
  items: ShareLink[];
}

export interface NewLink {
  kind: LinkKind;
  expiresInDays?: number;
  password?: string;
  maxUploads?: number;
}

export interface FamilyMember {
  userId: string;
  email: string;
  name?: string;
  role: 'organiser' | 'member';
  joinedAt: string;
}

export interface FamilyInvite {
  id: string;
  email: string;
  invitedAt: string;
  expiresAt: string;
}

export interface Family {
  id: string;
  organiserId: string;
  members: FamilyMember[];
  invites: FamilyInvite[];
}

export interface Invitation {
  familyId: string;
  organiserId: string;
  organiserEmail: string;
  organiserName?: string;
  invitedAt: string;
  expiresAt: string;
}

export interface FamilyView {
  family: Family | null;
  invitations: Invitation[];
}
