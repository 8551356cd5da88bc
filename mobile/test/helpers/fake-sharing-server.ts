import type { Photo } from '../../src/core/library';
import type { Album, AlbumPhoto, BatchResult, FamilyView, Member, ShareLink } from '../../src/core/sharing-types';
import { problem, type FakeAnswer, type FakeRequest } from './fake-http';
import { TEST_USER } from './render-app';

/**
 * The albums, members, links and family routes over an in-memory model, as docs/sharing.md describes
 * them for the signed-in TEST_USER: screen tests drive the app against it and then look at the model.
 */
export class FakeSharingServer {
  albums = new Map<string, Album>();
  photos = new Map<string, AlbumPhoto[]>();
  members = new Map<string, Member[]>();
  links = new Map<string, ShareLink[]>();
  /** Registered users by email (sharing with anyone else is a 404 on body.email). */
  users = new Map<string, { userId: string; name?: string }>();
  family: FamilyView = { family: null, invitations: [] };
  /** My library: what can be added (ready photos only). */
  library: Photo[] = [];
  private next = 1;

  album(init: Partial<Album> & { name: string }, photos: AlbumPhoto[] = []): Album {
    const id = init.id ?? `album-${this.next++}`;
    const album: Album = { id, ownerId: TEST_USER.userId, role: 'owner', photoCount: photos.length, cover: null, createdAt: '2026-11-01T00:00:00.000Z', updatedAt: '2026-11-01T00:00:00.000Z', ...init };
    this.albums.set(id, album);
    this.photos.set(id, photos);
    this.members.set(id, [{ userId: album.ownerId, email: album.ownerId === TEST_USER.userId ? TEST_USER.email : `${album.ownerId}@example.com`, name: album.ownerId === TEST_USER.userId ? TEST_USER.name : album.ownerName, role: 'owner', addedAt: album.createdAt }]);
    this.links.set(id, []);
    return album;
  }

  private answer(body: unknown, status = 200): FakeAnswer {
    return { status, body };
  }

  /** Answers the sharing routes; undefined for any other path (the test's own handler answers those). */
  handle(r: FakeRequest): FakeAnswer | undefined {
    const body = (r.body ?? {}) as Record<string, unknown>;
    const parts = r.url.split('/').filter(Boolean).map(decodeURIComponent); // ['v1', 'albums', ...]
    if (parts[0] !== 'v1') return undefined;
    if (parts[1] === 'family') return this.handleFamily(r, parts.slice(2), body);
    if (parts[1] !== 'albums') return undefined;
    const [id, sub, subId] = parts.slice(2);
    const mine = [...this.albums.values()].filter((a) => a.role === 'owner');
    if (!id && r.method === 'GET') return this.answer({ items: mine, nextCursor: null });
    if (!id && r.method === 'POST') return this.answer(this.album({ name: String(body.name) }), 201);
    if (id === 'shared' && r.method === 'GET') return this.answer({ items: [...this.albums.values()].filter((a) => a.role !== 'owner'), nextCursor: null });
    const album = this.albums.get(id!);
    if (!album) return problem(404, 'Not Found');
    const photos = this.photos.get(album.id)!;
    const refresh = () => this.albums.set(album.id, { ...album, photoCount: photos.length });
    if (!sub) {
      if (r.method === 'GET') return this.answer(album);
      if (r.method === 'DELETE') {
        this.albums.delete(album.id);
        return { status: 204 };
      }
      if (r.method === 'PATCH') {
        const cover = body.coverPhotoId === undefined ? album.cover : body.coverPhotoId === null ? null : { photoId: String(body.coverPhotoId), thumbnail: `https://s3.test/${String(body.coverPhotoId)}/thumb.webp` };
        const updated = { ...album, name: (body.name as string | undefined) ?? album.name, cover };
        this.albums.set(album.id, updated);
        return this.answer(updated);
      }
    }
    if (sub === 'photos' && r.method === 'GET') return this.answer({ items: photos, nextCursor: null });
    if (sub === 'photos' && !subId && r.method === 'POST') {
      const results: BatchResult[] = (body.photoIds as string[]).map((photoId) => {
        if (photos.some((p) => p.id === photoId)) return { photoId, result: 'already' };
        const photo = this.library.find((p) => p.id === photoId);
        if (!photo) return { photoId, result: 'notFound' };
        photos.unshift({ ...photo, addedAt: '2026-12-01T00:00:00.000Z', addedBy: { userId: TEST_USER.userId, name: TEST_USER.name, guest: false } });
        return { photoId, result: 'added' };
      });
      refresh();
      return this.answer({ results });
    }
    if (sub === 'photos' && subId === 'remove' && r.method === 'POST') {
      const results: BatchResult[] = (body.photoIds as string[]).map((photoId) => {
        const at = photos.findIndex((p) => p.id === photoId);
        if (at < 0) return { photoId, result: 'notFound' };
        if (album.role !== 'owner' && photos[at]!.addedBy.userId !== TEST_USER.userId) return { photoId, result: 'forbidden' };
        photos.splice(at, 1);
        return { photoId, result: 'removed' };
      });
      refresh();
      return this.answer({ results });
    }
    const members = this.members.get(album.id)!;
    if (sub === 'members' && r.method === 'GET') return this.answer({ items: members });
    if (sub === 'members' && r.method === 'POST') {
      const email = String(body.email).toLowerCase();
      const user = this.users.get(email);
      if (!user) return problem(404, 'Not Found', { detail: 'No user has this email', errors: [{ path: 'body.email', message: 'No AuroraVault account has this email' }] });
      const member: Member = { userId: user.userId, email, name: user.name, role: body.role as Member['role'], addedAt: '2026-12-01T00:00:00.000Z' };
      this.members.set(album.id, [...members.filter((m) => m.userId !== user.userId), member]);
      return this.answer(member, 201);
    }
    if (sub === 'members' && subId && r.method === 'DELETE') {
      this.members.set(album.id, members.filter((m) => m.userId !== subId));
      if (subId === TEST_USER.userId) this.albums.delete(album.id);
      return { status: 204 };
    }
    const links = this.links.get(album.id)!;
    if (sub === 'links' && r.method === 'GET') return this.answer({ items: links });
    if (sub === 'links' && r.method === 'POST') {
      const n = this.next++;
      const link: ShareLink = {
        id: `link-${n}`,
        kind: body.kind as ShareLink['kind'],
        token: `token-${n}`,
        url: `http://api.test/s/token-${n}`,
        expiresAt: new Date(Date.now() + Number(body.expiresInDays ?? 30) * 86_400_000).toISOString(),
        hasPassword: typeof body.password === 'string',
        ...(body.kind === 'collect' ? { uploads: 0, maxUploads: typeof body.maxUploads === 'number' ? body.maxUploads : 200 } : {}),
        createdAt: new Date().toISOString(),
      };
      links.unshift(link);
      return this.answer(link, 201);
    }
    if (sub === 'links' && subId && r.method === 'DELETE') {
      const at = links.findIndex((l) => l.id === subId);
      links[at] = { ...links[at]!, revokedAt: new Date().toISOString() };
      return { status: 204 };
    }
    return problem(405, 'Method Not Allowed');
  }

  private handleFamily(r: FakeRequest, parts: string[], body: Record<string, unknown>): FakeAnswer {
    const view = this.family;
    if (parts.length === 0 && r.method === 'GET') return this.answer(view);
    if (parts[0] === 'invites' && r.method === 'POST') {
      const email = String(body.email);
      const family = view.family ?? { id: 'family-1', organiserId: TEST_USER.userId, members: [{ userId: TEST_USER.userId, email: TEST_USER.email, name: TEST_USER.name, role: 'organiser' as const, joinedAt: '2026-12-01T00:00:00.000Z' }], invites: [] };
      family.invites = [...family.invites, { id: `invite-${this.next++}`, email, invitedAt: new Date().toISOString(), expiresAt: new Date(Date.now() + 14 * 86_400_000).toISOString() }];
      this.family = { ...view, family };
      return { status: 201, body: { ...family.invites.at(-1) } };
    }
    if (parts[0] === 'invites' && r.method === 'DELETE' && view.family) {
      view.family.invites = view.family.invites.filter((i) => i.id !== parts[1]);
      return { status: 204 };
    }
    if (parts[0] === 'invitations') {
      const invitation = view.invitations.find((i) => i.familyId === parts[1]);
      if (!invitation) return problem(404, 'Not Found');
      this.family = { family: view.family, invitations: view.invitations.filter((i) => i !== invitation) };
      if (parts[2] === 'decline') return { status: 204 };
      const family = {
        id: invitation.familyId,
        organiserId: invitation.organiserId,
        members: [
          { userId: invitation.organiserId, email: invitation.organiserEmail, name: invitation.organiserName, role: 'organiser' as const, joinedAt: '2026-11-01T00:00:00.000Z' },
          { userId: TEST_USER.userId, email: TEST_USER.email, name: TEST_USER.name, role: 'member' as const, joinedAt: '2026-12-01T00:00:00.000Z' },
        ],
        invites: [],
      };
      this.family = { family, invitations: [] };
      return this.answer(family);
    }
    if (parts[0] === 'members' && r.method === 'DELETE' && view.family) {
      if (parts[1] === TEST_USER.userId) this.family = { ...view, family: null };
      else view.family.members = view.family.members.filter((m) => m.userId !== parts[1]);
      return { status: 204 };
    }
    return problem(404, 'Not Found');
  }
}

/** A photo as an album lists it: who added it and when. */
export function albumPhoto(photo: Photo, addedBy: { userId?: string; name: string; guest?: boolean }): AlbumPhoto {
  return { ...photo, addedAt: '2026-11-30T10:00:00.000Z', addedBy: { guest: false, ...addedBy } };
}
