import type { components } from '../api/schema';

// The albums, members, links and family shapes, as the server's OpenAPI document gives them.

type Schemas = components['schemas'];

export type Album = Schemas['Album'];
export type AlbumRole = Album['role'];
export type AlbumPage = Schemas['AlbumPage'];
export type AddedBy = Schemas['AddedBy'];
export type AlbumPhoto = Schemas['AlbumPhoto'];
export type AlbumPhotoPage = Schemas['AlbumPhotoPage'];
/** One id's outcome of an add or remove batch. */
export type BatchResult = Schemas['AlbumAddResult']['results'][number] | Schemas['AlbumRemoveResult']['results'][number];
export type Member = Schemas['AlbumMember'];
export type MemberRole = Schemas['AddAlbumMember']['role'];
export type ShareLink = Schemas['ShareLink'];
export type LinkKind = ShareLink['kind'];
export type Family = Schemas['Family'];
export type FamilyMember = Schemas['FamilyMember'];
export type FamilyInvite = Schemas['FamilyInvite'];
export type Invitation = Schemas['FamilyInvitation'];
export type FamilyView = Schemas['FamilyView'];
