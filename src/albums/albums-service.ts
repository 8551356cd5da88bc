import type { FastifyBaseLogger } from 'fastify';
import type { AlbumEntriesRepository, PhotoRef } from '../data/album-entries.js';
import type { AlbumDeletion, AlbumRecord, AlbumsRepository } from '../data/albums.js';
import { keys } from '../data/keys.js';
import type { PhotoView } from '../data/photos.js';
import { HttpProblem } from '../lib/problem.js';
import { CursorCodec, type CursorKey } from '../photos/cursor.js';
import type { UrlScope } from '../photos/url-signer.js';
import type { AlbumJson, AlbumPageJson, AlbumPhotoJson, AlbumPhotoPageJson, AddResult, RemoveResult } from '../schemas/albums.js';
import type { PhotoJson } from '../schemas/photos.js';
import { canManage, type AlbumAccess, type AlbumRole } from './access.js';
import { AlbumPhotosEditor, type GuestAddOutcome } from './album-photos.js';
import { newId } from './ids.js';

export interface AlbumsServiceDeps {
  albums: AlbumsRepository;
  entries: AlbumEntriesRepository;
  /** Names shown for owners and for who added a photo. */
  profiles: { getProfile(userId: string): Promise<{ name?: string } | undefined> };
  /** The contract's Photo with URLs of the given scope (LibraryService.toJson). */
  photoJson: (photo: PhotoView, scope: UrlScope) => PhotoJson | Promise<PhotoJson>;
  /** The thumbnail URL of a photo with the given scope (LibraryService.thumbnailUrl). */
  thumbnailUrl: (photo: PhotoView, scope: UrlScope) => string | Promise<string> | undefined;
  /** access.ts's resolveAlbumAccess, bound to the table. */
  resolveAccess: (userId: string, albumId: string) => Promise<AlbumAccess | undefined>;
  /** Hands a deleted album's clearing to its job (the marker is durable: a lost message only delays it). */
  requestClear: (deletion: AlbumDeletion) => Promise<void>;
  /** How long a clearing handed to a job is left to it before the sweep hands it out again. */
  clearLeaseMs: number;
  cursorSecret: string;
  now?: () => Date;
  log?: FastifyBaseLogger;
}

const notFound = () => new HttpProblem('notFound', 'No such album');
const forbidden = (what: string) => new HttpProblem('forbidden', `Your role in this album does not allow ${what}`);
const badCursor = () =>
  new HttpProblem('validation', 'querystring.cursor: is not a cursor this listing issued to you', {
    errors: [{ path: 'querystring.cursor', message: 'is not a cursor this listing issued to you' }],
  });

/**
 * Albums (docs/sharing.md): the owner's albums, one album as any member sees it, and the album's
 * photos as a keyset-paginated timeline on GSI1. Adding and removing photos is AlbumPhotosEditor's.
 * Every route first resolves the caller's access: no access is a 404, a role without the right a 403.
 */
export class AlbumsService {
  private readonly now: () => Date;
  private readonly cursors: CursorCodec;
  private readonly editor: AlbumPhotosEditor;

  constructor(private readonly deps: AlbumsServiceDeps) {
    this.now = deps.now ?? (() => new Date());
    this.cursors = new CursorCodec(deps.cursorSecret);
    this.editor = new AlbumPhotosEditor({ entries: deps.entries, albums: deps.albums, profiles: deps.profiles, resolveAccess: deps.resolveAccess, now: this.now, log: deps.log });
  }

  /** The caller's access to the album; no access at all (unknown album, not a member) is a 404. */
  async access(userId: string, albumId: string): Promise<AlbumAccess> {
    const access = await this.deps.resolveAccess(userId, albumId);
    if (!access) throw notFound();
    return access;
  }

  async create(userId: string, name: string): Promise<AlbumJson> {
    const now = this.now();
    const profile = await this.deps.profiles.getProfile(userId);
    const album: AlbumRecord = {
      albumId: newId(now.getTime()),
      ownerId: userId,
      ...(profile?.name ? { ownerName: profile.name } : {}),
      name,
      photoCount: 0,
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
    };
    await this.deps.albums.create(album);
    return this.albumJson(album, 'owner', userId, new Map());
  }

  /** My own albums, newest first. */
  async listMine(userId: string, limit: number, cursor?: string): Promise<AlbumPageJson> {
    const startKey = cursor === undefined ? undefined : this.ownedStartKey(userId, cursor);
    // Strongly consistent, index and albums: an album just created or deleted is listed as it is now.
    const { albumIds, lastKey } = await this.deps.albums.listOwned(userId, limit + 1, startKey, true);
    const page = albumIds.slice(0, limit);
    const more = albumIds.length > limit || (lastKey !== undefined && page.length > 0);
    const last = page.at(-1);
    const nextCursor = more && last ? this.cursors.encode('albums', userId, keys.ownedAlbum(userId, last)) : null;
    const found = await this.deps.albums.getMany(page, true);
    const albums = page.flatMap((id) => (found.has(id) ? [found.get(id)!] : []));
    return { items: await this.albumsJson(albums.map((album) => ({ album, role: 'owner' as const })), userId), nextCursor };
  }

  /**
   * Albums as a viewer sees them, in the order given, skipping those that no longer exist (the
   * albums shared with me: members.ts passes its entries and the viewer's role in each).
   */
  async describe(entries: { albumId: string; role: AlbumRole }[], viewerId: string): Promise<AlbumJson[]> {
    const found = await this.deps.albums.getMany(entries.map((e) => e.albumId));
    const present = entries.flatMap((e) => (found.has(e.albumId) ? [{ album: found.get(e.albumId)!, role: e.role }] : []));
    return this.albumsJson(present, viewerId);
  }

  async get(access: AlbumAccess): Promise<AlbumJson> {
    const album = await this.deps.albums.get(access.albumId);
    if (!album) throw notFound();
    return (await this.albumsJson([{ album, role: access.role }], access.actorId))[0]!;
  }

  /** Rename and/or set the cover (a photo in the album) or clear it (null). Owner only. */
  async update(access: AlbumAccess, change: { name?: string; coverPhotoId?: string | null }): Promise<AlbumJson> {
    if (!canManage(access.role)) throw forbidden('changing it');
    let cover: { photoId: string; ownerId: string } | null | undefined;
    if (change.coverPhotoId === null) cover = null;
    else if (change.coverPhotoId !== undefined) {
      const entry = (await this.editor.locate(access, [change.coverPhotoId])).get(change.coverPhotoId);
      if (!entry) throw coverNotInAlbum();
      cover = { photoId: entry.photoId, ownerId: entry.photoOwnerId };
    }
    const outcome = await this.deps.albums.update(access.albumId, { ...(change.name !== undefined ? { name: change.name } : {}), ...(cover !== undefined ? { cover } : {}) }, this.now().toISOString());
    if (outcome === 'albumGone') throw notFound();
    if (outcome === 'coverGone') throw coverNotInAlbum();
    return this.get(access);
  }

  /**
   * Deletes the album at once for everyone; its photos stay in their owners' libraries. The entries,
   * members and links go in a job, from a marker written with the deletion (crash-safe).
   */
  async delete(access: AlbumAccess): Promise<void> {
    if (!canManage(access.role)) throw forbidden('deleting it');
    const now = this.now();
    const deletion: AlbumDeletion = { albumId: access.albumId, ownerId: access.ownerId, requestedAt: now.toISOString(), dueAt: new Date(now.getTime() + this.deps.clearLeaseMs).toISOString() };
    if (!(await this.deps.albums.delete(deletion, deletion.requestedAt, deletion.dueAt))) throw notFound();
    try {
      await this.deps.requestClear(deletion);
    } catch (error) {
      this.deps.log?.warn({ err: error, albumId: access.albumId }, 'album clearing not enqueued: the sweep hands it out when due');
    }
  }

  /**
   * Account deletion (a hook of DELETE /v1/me, which the caller repeats should it fail: every step is
   * idempotent): the user's albums go as a DELETE of each would. (Their photos leave the albums shared
   * with them as any departing member's do: the members' hook, src/albums/album-members-service.ts.)
   */
  async deleteAccountAlbums(userId: string): Promise<void> {
    for (let ids = await this.deps.albums.ownedIds(userId); ids.length > 0; ids = await this.deps.albums.ownedIds(userId)) {
      for (const albumId of ids) {
        const deletion = { albumId, ownerId: userId, requestedAt: this.now().toISOString(), dueAt: new Date(this.now().getTime() + this.deps.clearLeaseMs).toISOString() };
        // The album and its index item go together, so an index item without its album is never
        // written; should one exist, it goes alone (else this loop would see it forever).
        if (!(await this.deps.albums.delete(deletion, deletion.requestedAt, deletion.dueAt))) await this.deps.albums.deleteKeys([keys.ownedAlbum(userId, albumId)]);
        else await this.deps.requestClear(deletion).catch((error: unknown) => this.deps.log?.warn({ err: error, albumId }, 'album clearing not enqueued: the sweep hands it out when due'));
      }
    }
  }

  /**
   * The album's photos, newest taken first; photos in the trash, rejected or gone are left out.
   * URLs are owner-scoped only for the caller's own photos (never for a link). The cursor is bound
   * to the album and the caller (a link's id for link holders).
   */
  async photos(access: AlbumAccess, limit: number, cursor?: string): Promise<AlbumPhotoPageJson> {
    const scope = `album:${access.albumId}`;
    const startKey = cursor === undefined ? undefined : this.albumStartKey(access, cursor);
    const { entries, lastKey } = await this.deps.entries.timelinePage(access.albumId, limit + 1, startKey);
    const page = entries.slice(0, limit);
    const more = entries.length > limit || (lastKey !== undefined && page.length > 0);
    const last = page.at(-1);
    const nextCursor =
      more && last
        ? this.cursors.encode(scope, access.actorId, {
            ...keys.albumEntry(access.albumId, last.photoOwnerId, last.photoId),
            GSI1PK: keys.albumTimeline(access.albumId, '', '').GSI1PK,
            GSI1SK: last.takenKey,
          })
        : null;
    const views = page.length > 0 ? await this.deps.entries.photoViews(page) : new Map<string, PhotoView & { userId: string }>();
    const items: (AlbumPhotoJson | Promise<AlbumPhotoJson>)[] = [];
    for (const entry of page) {
      const view = views.get(`${entry.photoOwnerId}/${entry.photoId}`);
      if (!view || view.status !== 'ready' || view.trashedAt !== undefined) continue;
      const link = access.role === 'link';
      const own = !link && entry.photoOwnerId === access.actorId;
      const userId = link ? undefined : entry.addedBy.userId;
      const extra = { addedAt: entry.addedAt, addedBy: { ...(userId ? { userId } : {}), name: entry.addedBy.name, guest: entry.addedBy.guest } };
      const shown = (j: PhotoJson): AlbumPhotoJson => ({ ...(link ? withoutPrivateMetadata(j) : j), ...extra });
      const json = this.deps.photoJson(view, own ? 'owner' : 'object');
      items.push(json instanceof Promise ? json.then(shown) : shown(json));
    }
    return { items: items.some((j) => j instanceof Promise) ? await Promise.all(items) : (items as AlbumPhotoJson[]), nextCursor };
  }

  /** Adds the caller's own ready photos (owner, contributor); a result per distinct id. */
  addPhotos(access: AlbumAccess, photoIds: string[]): Promise<{ photoId: string; result: AddResult }[]> {
    return this.editor.addPhotos(access, photoIds);
  }

  /** Owner: any photo; contributor: the photos they added. A result per distinct id. */
  removePhotos(access: AlbumAccess, photoIds: string[]): Promise<{ photoId: string; result: RemoveResult }[]> {
    return this.editor.removePhotos(access, photoIds);
  }

  /** Every photo of `photoOwnerId` leaves the album (a contributor left or was removed); idempotent. */
  removeContributions(albumId: string, photoOwnerId: string): Promise<number> {
    return this.editor.removeContributions(albumId, photoOwnerId);
  }

  /** A guest's photo (the album owner's, uploaded through a collect link) joins the album, now or once ready. */
  addGuestPhoto(access: AlbumAccess, photoId: string, guest: { name: string; linkId: string }): Promise<GuestAddOutcome> {
    return this.editor.addGuestPhoto(access, photoId, guest);
  }

  /** Places a photo that just turned ready in the albums it was bound for (`pendingAlbums`). */
  placePending(userId: string, photoId: string): Promise<void> {
    return this.editor.placePending(userId, photoId);
  }

  private async albumsJson(list: { album: AlbumRecord; role: AlbumRole }[], viewerId: string): Promise<AlbumJson[]> {
    const covers: PhotoRef[] = list.flatMap(({ album }) => (album.coverPhotoId && album.coverOwnerId ? [{ photoOwnerId: album.coverOwnerId, photoId: album.coverPhotoId }] : []));
    const views = covers.length > 0 ? await this.deps.entries.photoViews(covers) : new Map<string, PhotoView>();
    return Promise.all(list.map(({ album, role }) => this.albumJson(album, role, viewerId, views)));
  }

  private async albumJson(album: AlbumRecord, role: AlbumRole, viewerId: string, views: Map<string, PhotoView>): Promise<AlbumJson> {
    let cover: AlbumJson['cover'] = null;
    if (album.coverPhotoId && album.coverOwnerId) {
      const view = views.get(`${album.coverOwnerId}/${album.coverPhotoId}`);
      const shown = view && view.status === 'ready' && view.trashedAt === undefined && view.derivatives;
      const scope: UrlScope = role !== 'link' && album.coverOwnerId === viewerId ? 'owner' : 'object';
      const thumbnail = shown ? await this.deps.thumbnailUrl(view, scope) : undefined;
      cover = { photoId: album.coverPhotoId, ...(thumbnail ? { thumbnail } : {}) };
    }
    return {
      id: album.albumId,
      name: album.name,
      ownerId: album.ownerId,
      ...(album.ownerName ? { ownerName: album.ownerName } : {}),
      role,
      photoCount: album.photoCount,
      cover,
      createdAt: album.createdAt,
      updatedAt: album.updatedAt,
    };
  }

  private ownedStartKey(userId: string, cursor: string): CursorKey {
    const key = this.cursors.decode('albums', userId, cursor);
    if (!key || Object.keys(key).sort().join(',') !== 'PK,SK' || key.PK !== keys.profile(userId).PK || !key.SK!.startsWith(keys.ownedAlbumPrefix)) throw badCursor();
    return key;
  }

  private albumStartKey(access: AlbumAccess, cursor: string): CursorKey {
    const key = this.cursors.decode(`album:${access.albumId}`, access.actorId, cursor);
    // The MAC binds album and caller already; the shape check keeps a leaked secret from opening other partitions.
    const partition = keys.album(access.albumId).PK;
    if (
      !key ||
      Object.keys(key).sort().join(',') !== 'GSI1PK,GSI1SK,PK,SK' ||
      key.PK !== partition ||
      key.GSI1PK !== keys.albumTimeline(access.albumId, '', '').GSI1PK ||
      !key.SK!.startsWith(keys.albumEntryPrefix())
    ) {
      throw badCursor();
    }
    return key;
  }
}

function coverNotInAlbum() {
  return new HttpProblem('validation', 'body.coverPhotoId: is not a photo of this album', { errors: [{ path: 'body.coverPhotoId', message: 'is not a photo of this album' }] });
}

/**
 * What a share link's holder (anyone with the URL, no account) sees of a photo: no place and no camera
 * metadata (EXIF can carry the place again, serial numbers, names); members, who were invited by name, see them.
 */
function withoutPrivateMetadata(photo: PhotoJson): PhotoJson {
  const { exif: _exif, location: _location, ...shown } = photo;
  return shown;
}
