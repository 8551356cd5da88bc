import type { Photo } from './library';

// The shapes of the albums, members, links and family routes (docs/sharing.md). Written from the
// contract until the server's OpenAPI document has them; then these become aliases of the generated types.

export type AlbumRole = 'owner' | 'contributor' | 'viewer' | 'link';
export type MemberRole = 'viewer' | 'contributor';

export interface Album {
  id: string;
  name: string;
  ownerId: string;
  ownerName?: string;
  /** The caller's role. */
  role: AlbumRole;
  photoCount: number;
  /** The cover's thumbnail, signed for the caller (absent while the photo is in the trash). */
  cover: { photoId: string; thumbnail?: string } | null;
  createdAt: string;
  updatedAt: string;
}

export interface AlbumPage {
  items: Album[];
  nextCursor: string | null;
}

/** Who added a photo to an album: a user, or a guest through a collect link (the name they typed). */
export interface AddedBy {
  userId?: string;
  name: string;
  guest: boolean;
}

export type AlbumPhoto = Photo & { addedBy: AddedBy; addedAt: string };

export interface AlbumPhotoPage {
  items: AlbumPhoto[];
  nextCursor: string | null;
}

/** One id's outcome of an add or remove batch. */
export interface BatchResult {
  photoId: string;
  result: 'added' | 'already' | 'notFound' | 'notReady' | 'removed' | 'forbidden';
}

export interface BatchAnswer {
  results: BatchResult[];
}

export interface Member {
  userId: string;
  email: string;
  name?: string;
  role: 'owner' | 'contributor' | 'viewer';
  addedAt: string;
}

export interface MemberList {
  items: Member[];
}

export type LinkKind = 'view' | 'collect';

export interface ShareLink {
  id: string;
  kind: LinkKind;
  token: string;
  /** The page a guest opens (/s/{token}). */
  url: string;
  expiresAt: string;
  hasPassword: boolean;
  uploads?: number;
  maxUploads?: number;
  createdAt: string;
  revokedAt?: string;
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
