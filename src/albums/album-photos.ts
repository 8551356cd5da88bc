import type { FastifyBaseLogger } from 'fastify';
import type { AlbumEntriesRepository, AlbumEntry, PhotoAlbumState } from '../data/album-entries.js';
import type { AlbumsRepository } from '../data/albums.js';
import { HttpProblem } from '../lib/problem.js';
import type { AddResult, RemoveResult } from '../schemas/albums.js';
import { canAdd, type AlbumAccess } from './access.js';

export interface AlbumPhotosDeps {
  entries: AlbumEntriesRepository;
  albums: AlbumsRepository;
  profiles: { getProfile(userId: string): Promise<{ name?: string } | undefined> };
  resolveAccess: (userId: string, albumId: string) => Promise<AlbumAccess | undefined>;
  now: () => Date;
  log?: FastifyBaseLogger;
}

/** What became of a guest's photo: in the album, there already, waiting to be ready, or never to be shown. */
export type GuestAddOutcome = 'added' | 'already' | 'pending' | 'notReady';

const notFound = () => new HttpProblem('notFound', 'No such album');

/**
 * Photos in and out of albums: the caller's own photos (owner, contributor), removals by role, a
 * leaving contributor's photos, and guests' photos (collect links), placed once they are ready.
 */
export class AlbumPhotosEditor {
  constructor(private readonly deps: AlbumPhotosDeps) {}

  async addPhotos(access: AlbumAccess, photoIds: string[]): Promise<{ photoId: string; result: AddResult }[]> {
    if (!canAdd(access.role)) throw new HttpProblem('forbidden', 'Your role in this album does not allow adding photos');
    const ids = [...new Set(photoIds)];
    const userId = access.actorId;
    const [states, profile] = await Promise.all([this.deps.entries.photoStates(userId, ids), this.deps.profiles.getProfile(userId)]);
    const results = new Map<string, AddResult>();
    const now = this.deps.now().toISOString();
    const candidates: { photo: PhotoAlbumState; entry: AlbumEntry }[] = [];
    for (const id of ids) {
      const photo = states.get(id);
      if (!photo) results.set(id, 'notFound');
      else if (photo.status !== 'ready' || photo.trashedAt !== undefined) results.set(id, 'notReady');
      else if (photo.albumIds?.has(access.albumId)) results.set(id, 'already');
      else candidates.push({ photo, entry: { albumId: access.albumId, photoOwnerId: userId, photoId: id, addedAt: now, addedBy: { userId, name: profile?.name ?? '', guest: false } } });
    }
    const outcome = await this.deps.entries.add(access.albumId, candidates, now, access.role === 'contributor' ? { contributor: userId } : {});
    if (outcome === 'albumGone') throw notFound();
    if (outcome === 'notContributor') {
      // Removed meanwhile (404) or made a viewer (403): say which, as on the next request.
      if (!(await this.deps.resolveAccess(userId, access.albumId))) throw notFound();
      throw new HttpProblem('forbidden', 'Your role in this album does not allow adding photos');
    }
    for (const [id, added] of outcome) results.set(id, added === 'photoChanged' ? 'notReady' : added);
    return ids.map((id) => ({ photoId: id, result: results.get(id) ?? 'notReady' }));
  }

  async removePhotos(access: AlbumAccess, photoIds: string[]): Promise<{ photoId: string; result: RemoveResult }[]> {
    if (access.role !== 'owner' && access.role !== 'contributor') throw new HttpProblem('forbidden', 'Your role in this album does not allow removing photos');
    const ids = [...new Set(photoIds)];
    const located = await this.locate(access, ids);
    const results = new Map<string, RemoveResult>();
    const refs = [];
    for (const id of ids) {
      const entry = located.get(id);
      if (!entry) results.set(id, 'notFound');
      // A contributor's photos are exactly the ones they added (they add only their own).
      else if (access.role === 'contributor' && entry.photoOwnerId !== access.actorId) results.set(id, 'forbidden');
      else refs.push({ photoOwnerId: entry.photoOwnerId, photoId: id });
    }
    const removed = await this.deps.entries.remove(access.albumId, refs, this.deps.now().toISOString());
    for (const ref of refs) results.set(ref.photoId, removed.get(`${ref.photoOwnerId}/${ref.photoId}`) === 'removed' ? 'removed' : 'notFound');
    return ids.map((id) => ({ photoId: id, result: results.get(id)! }));
  }

  /**
   * The album's entries for these photo ids. An entry is keyed by the photo's owner: the album owner
   * (their photos and guests'), the caller, then the other members (contributors' photos).
   */
  async locate(access: AlbumAccess, photoIds: string[]): Promise<Map<string, AlbumEntry>> {
    const found = new Map<string, AlbumEntry>();
    const first = [...new Set([access.ownerId, ...(access.role === 'link' ? [] : [access.actorId])])];
    const look = async (owners: string[], ids: string[]) => {
      const refs = owners.flatMap((photoOwnerId) => ids.map((photoId) => ({ photoOwnerId, photoId })));
      for (const entry of (await this.deps.entries.getEntries(access.albumId, refs)).values()) found.set(entry.photoId, entry);
    };
    await look(first, photoIds);
    const rest = photoIds.filter((id) => !found.has(id));
    if (rest.length > 0) {
      const members = (await this.deps.albums.memberIds(access.albumId)).filter((id) => !first.includes(id));
      if (members.length > 0) await look(members, rest);
    }
    return found;
  }

  async removeContributions(albumId: string, photoOwnerId: string): Promise<number> {
    let removed = 0;
    for await (const page of this.deps.entries.entriesOf(albumId, photoOwnerId)) {
      if (page.length === 0) continue;
      const outcomes = await this.deps.entries.remove(albumId, page, this.deps.now().toISOString());
      for (const outcome of outcomes.values()) if (outcome === 'removed') removed++;
    }
    return removed;
  }

  async addGuestPhoto(access: AlbumAccess, photoId: string, guest: { name: string; linkId: string }): Promise<GuestAddOutcome> {
    const userId = access.ownerId;
    for (let attempt = 0; attempt < 4; attempt++) {
      const photo = (await this.deps.entries.photoStates(userId, [photoId])).get(photoId);
      if (!photo || photo.status === 'rejected' || photo.trashedAt !== undefined) return 'notReady';
      const addedAt = this.deps.now().toISOString();
      if (photo.status !== 'ready') {
        // Placed by placePending once processing made it ready (PhotoUploaded's publishing step).
        if (await this.deps.entries.recordPending(userId, photoId, access.albumId, { name: guest.name, linkId: guest.linkId, addedAt })) return 'pending';
        continue;
      }
      if (photo.albumIds?.has(access.albumId)) return 'already';
      const entry: AlbumEntry = { albumId: access.albumId, photoOwnerId: userId, photoId, addedAt, addedBy: { name: guest.name, guest: true } };
      const outcome = await this.deps.entries.add(access.albumId, [{ photo, entry }], addedAt);
      if (outcome === 'albumGone' || outcome === 'notContributor') throw notFound();
      const result = outcome.get(photoId);
      if (result === 'added' || result === 'already') return result;
    }
    throw new Error('the photo kept changing while being added to the album');
  }

  async placePending(userId: string, photoId: string): Promise<void> {
    const photo = (await this.deps.entries.photoStates(userId, [photoId])).get(photoId);
    // Not ready, or in the trash: nothing to place (a trashed photo never joins an album).
    if (!photo?.pendingAlbums || photo.status !== 'ready' || photo.trashedAt !== undefined) return;
    const now = this.deps.now().toISOString();
    for (const [albumId, pending] of Object.entries(photo.pendingAlbums)) {
      if (photo.albumIds?.has(albumId)) {
        await this.deps.entries.dropPending(userId, photoId, albumId);
        continue;
      }
      const entry: AlbumEntry = { albumId, photoOwnerId: userId, photoId, addedAt: pending.addedAt, addedBy: { name: pending.name, guest: true } };
      const outcome = await this.deps.entries.add(albumId, [{ photo, entry }], now, { fromPending: true });
      if (outcome === 'albumGone' || (outcome instanceof Map && outcome.get(photoId) === 'already')) await this.deps.entries.dropPending(userId, photoId, albumId);
      else if (outcome instanceof Map && outcome.get(photoId) === 'added') this.deps.log?.info({ albumId, photoId }, 'guest photo placed in its album');
    }
  }
}
